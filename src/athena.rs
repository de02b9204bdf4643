//! Athena's own reading of a Glue `Column.Type` string: the grammar of Trino's metastore type
//! parser (`TypeInfoUtils.TypeInfoParser`, a copy of Hive's), which Athena engine v3 runs on
//! every column of a table before any query (catalog-facts §2).
//!
//! Glue and moto store any string; this module is the judge of whether Athena can use it.
//! A string it refuses makes every query on the table fail with HIVE_INVALID_METADATA.
//!
//! The grammar: Athena lowercases the string, then splits it into tokens. A run of *name
//! characters* (Java letters and decimal digits of the Basic Multilingual Plane, `_`, `.`, a
//! space, `$`) is one token; every other character is a token by itself. Type names are exact
//! tokens (`int`, never ` int`), parameters are name tokens that must be whole numbers, and a
//! struct field name is one name token. So `struct<CT Source:string>` parses, while backticks,
//! spaces around separators (`struct<a: int>`, `decimal(24, 16)`) and names holding any other
//! character do not.

use std::fmt;

use unicode_general_category::{GeneralCategory, get_general_category};

use crate::column_path::ColumnPath;
use crate::hive::{HiveType, MAX_DECIMAL_PRECISION, MAX_TYPE_DEPTH, StructField};

/// Whether Athena's tokenizer keeps `c` inside a name token (Java's `isLetterOrDigit` on one
/// UTF-16 unit, plus `_ . space $`). Characters outside the Basic Multilingual Plane arrive in
/// Java as two surrogates, which are neither letters nor digits.
pub fn is_name_char(c: char) -> bool {
    if matches!(c, '_' | '.' | ' ' | '$') {
        return true;
    }
    if u32::from(c) > 0xFFFF {
        return false;
    }
    matches!(
        get_general_category(c),
        GeneralCategory::UppercaseLetter
            | GeneralCategory::LowercaseLetter
            | GeneralCategory::TitlecaseLetter
            | GeneralCategory::ModifierLetter
            | GeneralCategory::OtherLetter
            | GeneralCategory::DecimalNumber
    )
}

/// Why a struct field name cannot be written into a type string Athena parses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnwritableName {
    Empty,
    /// Athena keeps outer spaces as part of the name, but YAML, reviews and most tools lose
    /// them; glueprint refuses them rather than declare a field that silently reads NULL.
    OuterSpace,
    Character(char),
}

impl fmt::Display for UnwritableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnwritableName::Empty => f.write_str("it is empty"),
            UnwritableName::OuterSpace => f.write_str("it starts or ends with a space"),
            UnwritableName::Character(c) => write!(
                f,
                "it holds {}, and Athena's type parser takes only letters, digits, `_`, `.`, \
                 spaces and `$` in a struct field name",
                describe_char(*c)
            ),
        }
    }
}

fn describe_char(c: char) -> String {
    if c.is_control() || c.is_whitespace() {
        format!("the character U+{:04X}", u32::from(c))
    } else {
        format!("`{c}` (U+{:04X})", u32::from(c))
    }
}

/// Checks that a struct field name can be written raw into a type string Athena parses.
/// Athena lowercases the string before tokenizing, so the lowercased name is what must hold
/// only name characters (`İ` lowercases to `i` and a combining dot, which is not one).
pub fn check_field_name(name: &str) -> Result<(), UnwritableName> {
    if name.is_empty() {
        return Err(UnwritableName::Empty);
    }
    if name.starts_with(char::is_whitespace) || name.ends_with(char::is_whitespace) {
        return Err(UnwritableName::OuterSpace);
    }
    match name.to_lowercase().chars().find(|&c| !is_name_char(c)) {
        Some(c) => Err(UnwritableName::Character(c)),
        None => Ok(()),
    }
}

/// Every struct field path in `ty` (below `path`) whose name Athena cannot carry, with why.
pub fn unwritable_fields(ty: &HiveType, path: &str) -> Vec<(String, UnwritableName)> {
    let mut found = Vec::new();
    collect_unwritable(ty, &ColumnPath::column(path), &mut found);
    found
}

fn collect_unwritable(ty: &HiveType, path: &ColumnPath, found: &mut Vec<(String, UnwritableName)>) {
    match ty {
        HiveType::Struct(fields) => {
            for field in fields {
                let nested = path.field(&field.name);
                match check_field_name(&field.name) {
                    Err(why) => found.push((nested.to_string(), why)),
                    Ok(()) => collect_unwritable(&field.ty, &nested, found),
                }
            }
        }
        HiveType::Array(element) => collect_unwritable(element, &path.element(), found),
        HiveType::Map(key, value) => {
            collect_unwritable(key, &path.key(), found);
            collect_unwritable(value, &path.value(), found);
        }
        _ => {}
    }
}

/// `ty` without the struct fields whose names Athena cannot carry; `None` when a struct would
/// be left with no field at all.
pub fn writable_only(ty: &HiveType) -> Option<HiveType> {
    Some(match ty {
        HiveType::Struct(fields) => {
            let kept: Vec<StructField> = fields
                .iter()
                .filter(|field| check_field_name(&field.name).is_ok())
                .filter_map(|field| Some(StructField::new(&field.name, writable_only(&field.ty)?)))
                .collect();
            if kept.is_empty() {
                return None;
            }
            HiveType::Struct(kept)
        }
        HiveType::Array(element) => HiveType::array(writable_only(element)?),
        HiveType::Map(key, value) => HiveType::map(writable_only(key)?, writable_only(value)?),
        other => other.clone(),
    })
}

/// A type string Athena cannot parse, with the 1-based character position and Athena's reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Athena cannot parse `{input}` at character {position}: {reason}")]
pub struct AthenaTypeError {
    pub input: String,
    pub position: usize,
    pub reason: String,
}

/// Parses a Glue type string exactly as Athena does, returning the type Athena sees (names
/// lowercased, as Athena lowercases the whole string first).
pub fn parse(text: &str) -> Result<HiveType, AthenaTypeError> {
    let lowered = text.to_lowercase();
    let tokens = tokenize(&lowered);
    let mut parser = Parser {
        text,
        tokens,
        index: 0,
        depth: 0,
    };
    let ty = parser.parse_type()?;
    if let Some(extra) = parser.peek() {
        return Err(parser.error_at(extra, "nothing may follow the type"));
    }
    Ok(ty)
}

/// Checks that `ty` prints as a string Athena parses back to the same type.
pub fn check(ty: &HiveType) -> Result<(), AthenaTypeError> {
    let text = ty.to_string();
    let parsed = parse(&text)?;
    if parsed.equivalent(ty) {
        Ok(())
    } else {
        Err(AthenaTypeError {
            input: text,
            position: 1,
            reason: format!("Athena reads it as `{parsed}`, another type"),
        })
    }
}

#[derive(Debug, Clone)]
struct Token {
    /// 0-based character offset.
    position: usize,
    text: String,
    is_name: bool,
}

fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens: Vec<Token> = Vec::new();
    for (position, c) in text.chars().enumerate() {
        let is_name = is_name_char(c);
        match tokens.last_mut() {
            Some(last) if is_name && last.is_name => last.text.push(c),
            _ => tokens.push(Token {
                position,
                text: c.to_string(),
                is_name,
            }),
        }
    }
    tokens
}

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<Token>,
    index: usize,
    /// Types open around the one being parsed: bounded, so no input can exhaust the stack.
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.index)
    }

    fn error_at(&self, token: &Token, reason: impl Into<String>) -> AthenaTypeError {
        AthenaTypeError {
            input: self.text.to_string(),
            position: token.position + 1,
            reason: reason.into(),
        }
    }

    fn error_at_end(&self, wanted: &str) -> AthenaTypeError {
        AthenaTypeError {
            input: self.text.to_string(),
            position: self.text.chars().count() + 1,
            reason: format!("{wanted} expected at the end"),
        }
    }

    fn next(&mut self, wanted: &str) -> Result<Token, AthenaTypeError> {
        let token = self
            .peek()
            .cloned()
            .ok_or_else(|| self.error_at_end(wanted))?;
        self.index += 1;
        Ok(token)
    }

    fn expect(&mut self, symbol: &str) -> Result<(), AthenaTypeError> {
        let token = self.next(&format!("`{symbol}`"))?;
        if token.text == symbol {
            Ok(())
        } else {
            Err(self.error_at(
                &token,
                format!("`{symbol}` expected but `{}` is found", token.text),
            ))
        }
    }

    fn name(&mut self) -> Result<Token, AthenaTypeError> {
        let token = self.next("a name")?;
        if token.is_name {
            Ok(token)
        } else {
            Err(self.error_at(
                &token,
                format!("a name expected but `{}` is found", token.text),
            ))
        }
    }

    /// Parameters in parentheses, each a name token (`decimal(10,2)`); none without them.
    fn params(&mut self) -> Result<Vec<Token>, AthenaTypeError> {
        if self.peek().is_none_or(|t| t.text != "(") {
            return Ok(Vec::new());
        }
        self.index += 1;
        let mut params = Vec::new();
        loop {
            params.push(self.name()?);
            let separator = self.next("`,` or `)`")?;
            match separator.text.as_str() {
                ")" => return Ok(params),
                "," => {}
                other => {
                    return Err(self.error_at(
                        &separator,
                        format!("`,` or `)` expected but `{other}` is found"),
                    ));
                }
            }
        }
    }

    fn number(&self, token: &Token) -> Result<u32, AthenaTypeError> {
        token.text.parse().map_err(|_| {
            self.error_at(
                token,
                format!("`{}` is not a number (no spaces allowed)", token.text),
            )
        })
    }

    fn parse_type(&mut self) -> Result<HiveType, AthenaTypeError> {
        if self.depth >= MAX_TYPE_DEPTH {
            return Err(AthenaTypeError {
                input: self.text.to_string(),
                position: self.peek().map_or(1, |t| t.position + 1),
                reason: format!("types nest more than {MAX_TYPE_DEPTH} levels deep"),
            });
        }
        self.depth += 1;
        let parsed = self.parse_type_here();
        self.depth -= 1;
        parsed
    }

    fn parse_type_here(&mut self) -> Result<HiveType, AthenaTypeError> {
        let token = self.next("a type")?;
        let simple = match token.text.as_str() {
            "boolean" => Some(HiveType::Boolean),
            "tinyint" => Some(HiveType::TinyInt),
            "smallint" => Some(HiveType::SmallInt),
            "int" => Some(HiveType::Int),
            "bigint" => Some(HiveType::BigInt),
            "float" => Some(HiveType::Float),
            "double" => Some(HiveType::Double),
            "string" => Some(HiveType::String),
            "binary" => Some(HiveType::Binary),
            "date" => Some(HiveType::Date),
            "timestamp" => Some(HiveType::Timestamp),
            _ => None,
        };
        if let Some(ty) = simple {
            // Hive's parser accepts (and ignores) parameters on any primitive type.
            self.params()?;
            return Ok(ty);
        }
        match token.text.as_str() {
            "decimal" => self.decimal(&token),
            "char" | "varchar" => {
                let params = self.params()?;
                let [length] = params.as_slice() else {
                    return Err(
                        self.error_at(&token, format!("{} takes exactly one length", token.text))
                    );
                };
                let length = self.number(length)?;
                Ok(if token.text == "char" {
                    HiveType::Char(length)
                } else {
                    HiveType::Varchar(length)
                })
            }
            "array" => {
                self.expect("<")?;
                let element = self.parse_type()?;
                self.expect(">")?;
                Ok(HiveType::array(element))
            }
            "map" => {
                self.expect("<")?;
                let key = self.parse_type()?;
                self.expect(",")?;
                let value = self.parse_type()?;
                self.expect(">")?;
                Ok(HiveType::map(key, value))
            }
            "struct" => self.parse_struct(),
            other => Err(self.error_at(&token, format!("a type expected but `{other}` is found"))),
        }
    }

    fn decimal(&mut self, token: &Token) -> Result<HiveType, AthenaTypeError> {
        let params = self.params()?;
        let (precision, scale) = match params.as_slice() {
            [] => (10, 0),
            [precision] => (self.number(precision)?, 0),
            [precision, scale] => (self.number(precision)?, self.number(scale)?),
            _ => {
                return Err(self.error_at(token, "decimal takes at most two parameters"));
            }
        };
        if precision == 0 || precision > u32::from(MAX_DECIMAL_PRECISION) || scale > precision {
            return Err(self.error_at(
                token,
                format!(
                    "decimal({precision},{scale}) needs 1 <= precision <= \
                     {MAX_DECIMAL_PRECISION} and scale <= precision"
                ),
            ));
        }
        Ok(HiveType::Decimal {
            precision: precision as u8,
            scale: scale as u8,
        })
    }

    /// Struct fields: one name token, `:`, a type; separated by `,`. Newer Trino releases also
    /// join names around `:`, older ones do not, so a name holding `:` counts as unparsable.
    fn parse_struct(&mut self) -> Result<HiveType, AthenaTypeError> {
        self.expect("<")?;
        let mut fields = Vec::new();
        loop {
            let name = self.name()?;
            self.expect(":")?;
            let ty = self.parse_type()?;
            fields.push(StructField::new(name.text, ty));
            let separator = self.next("`,` or `>`")?;
            match separator.text.as_str() {
                ">" => return Ok(HiveType::Struct(fields)),
                "," => {}
                other => {
                    return Err(self.error_at(
                        &separator,
                        format!("`,` or `>` expected but `{other}` is found"),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Strings Athena's parser accepts, as glueprint, crawlers and Hive write them.
    const ACCEPTED: &[&str] = &[
        "int",
        "bigint",
        "decimal(10,2)",
        "decimal(38,0)",
        "decimal",
        "varchar(65535)",
        "char(10)",
        "array<string>",
        "map<string,array<int>>",
        "struct<a:int,b:string>",
        "struct<CT Source:string,Product name:string>",
        "struct<_id:string,2fa:boolean>",
        "struct<a.b:int,$x:int>",
        "struct<Größe:int,名前:string>",
        "STRUCT<A:INT>",
        "array<struct<amount:decimal(12,2),tags:array<string>>>",
    ];

    /// Strings Glue and moto store but Athena refuses, with the position Athena reports.
    const REFUSED: &[(&str, usize)] = &[
        ("struct<`CT Source`:string>", 8),
        ("struct<a: int>", 10),
        ("decimal(24, 16)", 12),
        ("decimal( 24,16)", 9),
        ("map<string, int>", 12),
        ("array< int>", 7),
        ("array<int >", 7),
        (" int", 1),
        ("int ", 1),
        ("struct<a-b:int>", 9),
        ("struct<a:b:int>", 10),
        ("struct<a(1):int>", 9),
        ("struct<a/b:int>", 9),
        ("struct<a#:int>", 9),
        ("struct<'a':int>", 8),
        ("struct<\"a\":int>", 8),
        ("struct<a😀:int>", 9),
        ("struct<a:int", 13),
        ("integer", 1),
        ("array<int>>", 11),
        ("decimal(39,2)", 1),
        ("varchar", 1),
    ];

    #[test]
    fn accepts_what_athena_parses() {
        for text in ACCEPTED {
            parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        }
    }

    #[test]
    fn refuses_what_athena_refuses_at_its_position() {
        for (text, position) in REFUSED {
            let error = parse(text)
                .err()
                .unwrap_or_else(|| panic!("{text} should be refused"));
            assert_eq!(error.position, *position, "{text}: {error}");
        }
    }

    #[test]
    fn a_trailing_space_in_a_name_is_part_of_the_name() {
        assert_eq!(
            parse("struct<a :int>").unwrap(),
            HiveType::Struct(vec![StructField::new("a ", HiveType::Int)])
        );
    }

    #[test]
    fn names_are_lowercased_as_athena_reads_them() {
        assert_eq!(
            parse("struct<CT Source:string>").unwrap(),
            HiveType::Struct(vec![StructField::new("ct source", HiveType::String)])
        );
    }

    #[test]
    fn field_names_are_checked_on_their_lowercase_form() {
        assert_eq!(check_field_name("CT Source"), Ok(()));
        assert_eq!(check_field_name("Größe"), Ok(()));
        assert_eq!(check_field_name("2fa"), Ok(()));
        assert_eq!(check_field_name("a-b"), Err(UnwritableName::Character('-')));
        assert_eq!(
            check_field_name("İd"),
            Err(UnwritableName::Character('\u{307}'))
        );
        assert_eq!(
            check_field_name("x\u{1D400}"),
            Err(UnwritableName::Character('\u{1D400}'))
        );
        assert_eq!(check_field_name("x "), Err(UnwritableName::OuterSpace));
        assert_eq!(check_field_name(""), Err(UnwritableName::Empty));
    }

    #[test]
    fn check_accepts_raw_spaced_names_and_refuses_unwritable_ones() {
        let spaced = HiveType::Struct(vec![StructField::new("CT Source", HiveType::String)]);
        check(&spaced).unwrap();
        let dashed = HiveType::Struct(vec![StructField::new("a-b", HiveType::String)]);
        assert!(check(&dashed).is_err());
        assert_eq!(
            unwritable_fields(
                &HiveType::array(HiveType::Struct(vec![
                    StructField::new("ok", HiveType::Int),
                    StructField::new("no/pe", HiveType::Int),
                ])),
                "items"
            ),
            vec![("items[].no/pe".to_string(), UnwritableName::Character('/'))]
        );
    }
}
