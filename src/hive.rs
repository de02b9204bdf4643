//! The Glue/Hive type model: a type tree with a parser and a printer for Glue type strings.
//!
//! Glue hands types back with other spacing and case than they were sent with, so everything
//! that compares types parses them into a [`HiveType`] first and compares trees.

use std::fmt;
use std::str::FromStr;

/// Largest decimal precision Athena and Spectrum accept (catalog-facts §3).
pub const MAX_DECIMAL_PRECISION: u8 = 38;

/// Deepest type nesting glueprint parses, as for Parquet schemas (`footer::MAX_SCHEMA_DEPTH`).
pub const MAX_TYPE_DEPTH: usize = 100;

/// A Glue/Hive column type.
///
/// Parsed leniently (any spacing and case, backtick-quoted names as earlier glueprint versions
/// wrote them), printed in the one compact form Athena's parser accepts, struct field names raw
/// (see [`crate::athena`] for what Athena accepts):
///
/// ```
/// use glueprint::hive::HiveType;
///
/// let ty: HiveType = "STRUCT< a : INT, `Product Name` : ARRAY<DECIMAL(10, 2)> >".parse().unwrap();
/// assert_eq!(ty.to_string(), "struct<a:int,Product Name:array<decimal(10,2)>>");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HiveType {
    Boolean,
    TinyInt,
    SmallInt,
    Int,
    BigInt,
    Float,
    Double,
    Decimal { precision: u8, scale: u8 },
    String,
    Char(u32),
    Varchar(u32),
    Binary,
    Date,
    Timestamp,
    Array(Box<HiveType>),
    Map(Box<HiveType>, Box<HiveType>),
    Struct(Vec<StructField>),
}

/// One named field of a `struct<...>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StructField {
    pub name: String,
    pub ty: HiveType,
}

impl StructField {
    pub fn new(name: impl Into<String>, ty: HiveType) -> Self {
        Self {
            name: name.into(),
            ty,
        }
    }
}

impl HiveType {
    pub fn array(element: HiveType) -> Self {
        HiveType::Array(Box::new(element))
    }

    pub fn map(key: HiveType, value: HiveType) -> Self {
        HiveType::Map(Box::new(key), Box::new(value))
    }

    /// How many types nest here: 1 for a primitive, one more per array, map or struct level.
    pub fn depth(&self) -> usize {
        1 + match self {
            HiveType::Array(element) => element.depth(),
            HiveType::Map(key, value) => key.depth().max(value.depth()),
            HiveType::Struct(fields) => fields.iter().map(|f| f.ty.depth()).max().unwrap_or(0),
            _ => 0,
        }
    }

    /// Numbers: what `double` reads in a union map's view.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            HiveType::TinyInt
                | HiveType::SmallInt
                | HiveType::Int
                | HiveType::BigInt
                | HiveType::Float
                | HiveType::Double
                | HiveType::Decimal { .. }
        )
    }

    /// The branches of a union map, CleverTap's generic export shape (catalog-facts §7):
    /// `map<string,struct<member0:..,member1:..,...>>`, one branch per value type. `None` for
    /// any other type.
    pub fn union_branches(&self) -> Option<&[StructField]> {
        let HiveType::Map(key, value) = self else {
            return None;
        };
        let (HiveType::String, HiveType::Struct(branches)) = (key.as_ref(), value.as_ref()) else {
            return None;
        };
        let numbered = !branches.is_empty()
            && branches
                .iter()
                .enumerate()
                .all(|(i, branch)| branch.name.eq_ignore_ascii_case(&format!("member{i}")));
        numbered.then_some(branches.as_slice())
    }

    /// Primitive types are the only ones Glue accepts as partition keys and map keys.
    pub fn is_primitive(&self) -> bool {
        !matches!(
            self,
            HiveType::Array(_) | HiveType::Map(..) | HiveType::Struct(_)
        )
    }

    /// Equality as Athena sees it: struct field names are resolved case-insensitively.
    pub fn equivalent(&self, other: &HiveType) -> bool {
        match (self, other) {
            (HiveType::Array(a), HiveType::Array(b)) => a.equivalent(b),
            (HiveType::Map(ak, av), HiveType::Map(bk, bv)) => {
                ak.equivalent(bk) && av.equivalent(bv)
            }
            (HiveType::Struct(a), HiveType::Struct(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|(x, y)| same_name(&x.name, &y.name) && x.ty.equivalent(&y.ty))
            }
            _ => self == other,
        }
    }
}

/// Whether two names are the same name to Glue and Athena, which fold names to lowercase
/// (catalog-facts §2), Unicode letters included.
pub fn same_name(a: &str, b: &str) -> bool {
    a == b || a.to_lowercase() == b.to_lowercase()
}

/// Whether two lists of names, such as partition keys, are the same names in the same order.
pub fn same_names<'a>(
    left: impl IntoIterator<Item = &'a str>,
    right: impl IntoIterator<Item = &'a str>,
) -> bool {
    let (left, right): (Vec<&str>, Vec<&str>) =
        (left.into_iter().collect(), right.into_iter().collect());
    left.len() == right.len() && left.iter().zip(&right).all(|(a, b)| same_name(a, b))
}

impl fmt::Display for HiveType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HiveType::Boolean => f.write_str("boolean"),
            HiveType::TinyInt => f.write_str("tinyint"),
            HiveType::SmallInt => f.write_str("smallint"),
            HiveType::Int => f.write_str("int"),
            HiveType::BigInt => f.write_str("bigint"),
            HiveType::Float => f.write_str("float"),
            HiveType::Double => f.write_str("double"),
            HiveType::Decimal { precision, scale } => write!(f, "decimal({precision},{scale})"),
            HiveType::String => f.write_str("string"),
            HiveType::Char(n) => write!(f, "char({n})"),
            HiveType::Varchar(n) => write!(f, "varchar({n})"),
            HiveType::Binary => f.write_str("binary"),
            HiveType::Date => f.write_str("date"),
            HiveType::Timestamp => f.write_str("timestamp"),
            HiveType::Array(element) => write!(f, "array<{element}>"),
            HiveType::Map(key, value) => write!(f, "map<{key},{value}>"),
            HiveType::Struct(fields) => {
                f.write_str("struct<")?;
                for (i, field) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    // Raw, as Athena's parser reads names (catalog-facts §2): a name it cannot
                    // carry is kept out of every type by the scan and the YAML loader, and
                    // `athena::check` refuses it before anything is sent.
                    write!(f, "{}:{}", field.name, field.ty)?;
                }
                f.write_str(">")
            }
        }
    }
}

/// Hive types travel as Glue type strings in every serialized form (JSON output, the local
/// catalog, the footer cache).
impl serde::Serialize for HiveType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for HiveType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A type string that is not a Glue/Hive type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid type `{input}` at character {position}: {reason}")]
pub struct ParseTypeError {
    pub input: String,
    /// 1-based character offset of the problem.
    pub position: usize,
    pub reason: String,
}

impl FromStr for HiveType {
    type Err = ParseTypeError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let mut parser = Parser {
            input,
            chars: input.char_indices().collect(),
            pos: 0,
            depth: 0,
        };
        let ty = parser.parse_type()?;
        parser.skip_whitespace();
        if parser.pos < parser.chars.len() {
            return Err(parser.error("unexpected text after the end of the type"));
        }
        Ok(ty)
    }
}

struct Parser<'a> {
    input: &'a str,
    chars: Vec<(usize, char)>,
    pos: usize,
    /// Types open around the one being parsed: bounded, so no input can exhaust the stack.
    depth: usize,
}

impl Parser<'_> {
    fn error(&self, reason: impl Into<String>) -> ParseTypeError {
        ParseTypeError {
            input: self.input.to_string(),
            position: self.pos + 1,
            reason: reason.into(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).map(|&(_, c)| c)
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, wanted: char) -> Result<(), ParseTypeError> {
        self.skip_whitespace();
        if self.peek() == Some(wanted) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(format!("expected `{wanted}`")))
        }
    }

    /// Consumes `wanted` if it is next (after whitespace).
    fn accept(&mut self, wanted: char) -> bool {
        self.skip_whitespace();
        if self.peek() == Some(wanted) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn word(&mut self) -> String {
        self.skip_whitespace();
        let mut word = String::new();
        while let Some(c) = self
            .peek()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        {
            word.push(c);
            self.pos += 1;
        }
        word
    }

    fn number(&mut self) -> Result<u32, ParseTypeError> {
        self.skip_whitespace();
        let start = self.pos;
        let digits = self.word();
        digits.parse().map_err(|_| ParseTypeError {
            position: start + 1,
            ..self.error("expected a number")
        })
    }

    fn parse_type(&mut self) -> Result<HiveType, ParseTypeError> {
        if self.depth >= MAX_TYPE_DEPTH {
            return Err(self.error(format!(
                "types nest more than {MAX_TYPE_DEPTH} levels deep, which no engine reads"
            )));
        }
        self.depth += 1;
        let parsed = self.parse_type_here();
        self.depth -= 1;
        parsed
    }

    fn parse_type_here(&mut self) -> Result<HiveType, ParseTypeError> {
        self.skip_whitespace();
        let start = self.pos;
        let name = self.word().to_ascii_lowercase();
        let ty = match name.as_str() {
            "boolean" => HiveType::Boolean,
            "tinyint" => HiveType::TinyInt,
            "smallint" => HiveType::SmallInt,
            "int" | "integer" => HiveType::Int,
            "bigint" => HiveType::BigInt,
            "float" | "real" => HiveType::Float,
            "double" => HiveType::Double,
            "string" => HiveType::String,
            "binary" => HiveType::Binary,
            "date" => HiveType::Date,
            "timestamp" => HiveType::Timestamp,
            "decimal" => self.parse_decimal()?,
            "char" => HiveType::Char(self.parse_length()?),
            "varchar" => HiveType::Varchar(self.parse_length()?),
            "array" => {
                self.expect('<')?;
                let element = self.parse_type()?;
                self.expect('>')?;
                HiveType::array(element)
            }
            "map" => {
                self.expect('<')?;
                let key = self.parse_type()?;
                self.expect(',')?;
                let value = self.parse_type()?;
                self.expect('>')?;
                HiveType::map(key, value)
            }
            "struct" => self.parse_struct()?,
            "" => return Err(self.error("expected a type name")),
            other => {
                self.pos = start;
                return Err(self.error(format!("unknown type `{other}`")));
            }
        };
        Ok(ty)
    }

    fn parse_decimal(&mut self) -> Result<HiveType, ParseTypeError> {
        // Hive's bare `decimal` means decimal(10,0).
        if !self.accept('(') {
            return Ok(HiveType::Decimal {
                precision: 10,
                scale: 0,
            });
        }
        let precision_at = self.pos;
        let precision = self.number()?;
        let scale = if self.accept(',') { self.number()? } else { 0 };
        self.expect(')')?;
        if precision == 0 || precision > u32::from(MAX_DECIMAL_PRECISION) || scale > precision {
            self.pos = precision_at;
            return Err(self.error(format!(
                "decimal({precision},{scale}) needs 1 <= precision <= {MAX_DECIMAL_PRECISION} and scale <= precision"
            )));
        }
        Ok(HiveType::Decimal {
            precision: precision as u8,
            scale: scale as u8,
        })
    }

    fn parse_length(&mut self) -> Result<u32, ParseTypeError> {
        self.expect('(')?;
        let length = self.number()?;
        self.expect(')')?;
        if length == 0 {
            return Err(self.error("length must be at least 1"));
        }
        Ok(length)
    }

    fn parse_struct(&mut self) -> Result<HiveType, ParseTypeError> {
        self.expect('<')?;
        let mut fields = Vec::new();
        if self.accept('>') {
            return Err(self.error("a struct needs at least one field"));
        }
        loop {
            let name = self.parse_field_name()?;
            self.expect(':')?;
            let ty = self.parse_type()?;
            fields.push(StructField { name, ty });
            if self.accept('>') {
                return Ok(HiveType::Struct(fields));
            }
            self.expect(',')?;
        }
    }

    /// A field name is either backtick-quoted (with ``` `` ``` for a backtick) or, as Glue
    /// returns crawler-made types, everything up to the `:` with outer spaces trimmed.
    fn parse_field_name(&mut self) -> Result<String, ParseTypeError> {
        self.skip_whitespace();
        if self.accept('`') {
            let mut name = String::new();
            loop {
                match self.peek() {
                    None => return Err(self.error("unterminated ` in a field name")),
                    Some('`') => {
                        self.pos += 1;
                        if self.peek() == Some('`') {
                            name.push('`');
                            self.pos += 1;
                        } else {
                            return Ok(name);
                        }
                    }
                    Some(c) => {
                        name.push(c);
                        self.pos += 1;
                    }
                }
            }
        }
        let mut name = String::new();
        while let Some(c) = self.peek().filter(|c| !matches!(c, ':' | ',' | '<' | '>')) {
            name.push(c);
            self.pos += 1;
        }
        let name = name.trim_end().to_string();
        if name.is_empty() {
            return Err(self.error("expected a field name"));
        }
        Ok(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> HiveType {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_nested_types_and_prints_canonically() {
        let ty = parse("struct<a:int,b:array<map<string,decimal(10,2)>>>");
        assert_eq!(
            ty,
            HiveType::Struct(vec![
                StructField::new("a", HiveType::Int),
                StructField::new(
                    "b",
                    HiveType::array(HiveType::map(
                        HiveType::String,
                        HiveType::Decimal {
                            precision: 10,
                            scale: 2
                        }
                    ))
                ),
            ])
        );
        assert_eq!(
            ty.to_string(),
            "struct<a:int,b:array<map<string,decimal(10,2)>>>"
        );
    }

    #[test]
    fn tolerates_glue_spacing_and_case() {
        assert_eq!(
            parse(" STRUCT < a : INT , b : Array< BIGINT > > "),
            parse("struct<a:int,b:array<bigint>>")
        );
        assert_eq!(parse("DECIMAL( 12 , 3 )").to_string(), "decimal(12,3)");
        assert_eq!(parse("decimal").to_string(), "decimal(10,0)");
        assert_eq!(parse("integer"), HiveType::Int);
    }

    #[test]
    fn prints_field_names_raw_as_athena_reads_them() {
        let ty = HiveType::Struct(vec![
            StructField::new("Product Name", HiveType::String),
            StructField::new("_id", HiveType::String),
            StructField::new("2fa", HiveType::Boolean),
            StructField::new("plain_1", HiveType::Int),
        ]);
        let printed = ty.to_string();
        assert_eq!(
            printed,
            "struct<Product Name:string,_id:string,2fa:boolean,plain_1:int>"
        );
        assert_eq!(parse(&printed), ty);
        crate::athena::check(&ty).unwrap();
    }

    #[test]
    fn reads_backtick_quoted_names_of_earlier_versions() {
        assert_eq!(
            parse("struct<`CT Source`:string,`we``ird`:int>").to_string(),
            "struct<CT Source:string,we`ird:int>"
        );
    }

    #[test]
    fn accepts_unquoted_crawler_field_names_with_spaces() {
        assert_eq!(
            parse("struct<product name:string>"),
            HiveType::Struct(vec![StructField::new("product name", HiveType::String)])
        );
    }

    #[test]
    fn rejects_bad_types_with_a_position() {
        let err = "struct<a:integr>".parse::<HiveType>().unwrap_err();
        assert_eq!(err.position, 10);
        assert!(err.reason.contains("unknown type `integr`"), "{err}");
        let err = "array<int".parse::<HiveType>().unwrap_err();
        assert!(err.reason.contains("expected `>`"), "{err}");
        let err = "decimal(39,2)".parse::<HiveType>().unwrap_err();
        assert!(err.reason.contains("precision"), "{err}");
        let err = "int extra".parse::<HiveType>().unwrap_err();
        assert!(err.reason.contains("unexpected text"), "{err}");
        assert!("struct<>".parse::<HiveType>().is_err());
        assert!("".parse::<HiveType>().is_err());
    }

    #[test]
    fn nesting_is_bounded_and_never_exhausts_the_stack() {
        let deep = |levels: usize| format!("{}int{}", "array<".repeat(levels), ">".repeat(levels));
        assert_eq!(parse(&deep(MAX_TYPE_DEPTH - 1)).depth(), MAX_TYPE_DEPTH);
        let error = deep(12_000).parse::<HiveType>().unwrap_err();
        assert!(error.reason.contains("more than 100 levels"), "{error}");
        assert!(crate::athena::parse(&deep(12_000)).is_err());
    }

    #[test]
    fn equivalence_ignores_struct_field_case_only() {
        let a = parse("struct<Name:string>");
        assert!(a.equivalent(&parse("struct<name:string>")));
        assert!(!a.equivalent(&parse("struct<name:int>")));
        assert_ne!(a, parse("struct<name:string>"));
    }

    mod round_trip {
        use super::*;
        use proptest::prelude::*;

        fn field_name() -> impl Strategy<Value = String> {
            prop_oneof![
                "[a-z][a-z0-9_]{0,8}",
                "[A-Za-z0-9_ .$ÄöЖ]{1,10}"
                    .prop_filter("writable", |s| crate::athena::check_field_name(s).is_ok()),
            ]
        }

        fn hive_type() -> impl Strategy<Value = HiveType> {
            let leaf = prop_oneof![
                Just(HiveType::Boolean),
                Just(HiveType::TinyInt),
                Just(HiveType::SmallInt),
                Just(HiveType::Int),
                Just(HiveType::BigInt),
                Just(HiveType::Float),
                Just(HiveType::Double),
                Just(HiveType::String),
                Just(HiveType::Binary),
                Just(HiveType::Date),
                Just(HiveType::Timestamp),
                (1u8..=38)
                    .prop_flat_map(|p| (Just(p), 0..=p))
                    .prop_map(|(precision, scale)| HiveType::Decimal { precision, scale }),
                (1u32..300).prop_map(HiveType::Char),
                (1u32..65535).prop_map(HiveType::Varchar),
            ];
            leaf.prop_recursive(4, 32, 4, |inner| {
                prop_oneof![
                    inner.clone().prop_map(HiveType::array),
                    (inner.clone(), inner.clone()).prop_map(|(k, v)| HiveType::map(k, v)),
                    prop::collection::vec((field_name(), inner), 1..4).prop_map(|fields| {
                        HiveType::Struct(
                            fields
                                .into_iter()
                                .map(|(name, ty)| StructField { name, ty })
                                .collect(),
                        )
                    }),
                ]
            })
        }

        /// Re-spaces and re-cases a canonical string the way a person might write it in YAML.
        fn glue_style(canonical: &str) -> String {
            let mut out = String::new();
            for c in canonical.chars() {
                if matches!(c, '<' | '>' | ',' | ':' | '(' | ')') {
                    out.push(' ');
                    out.push(c);
                    out.push(' ');
                } else {
                    out.push(c.to_ascii_uppercase());
                }
            }
            out
        }

        proptest! {
            #[test]
            fn printed_types_parse_back(ty in hive_type()) {
                let printed = ty.to_string();
                prop_assert_eq!(printed.parse::<HiveType>().unwrap(), ty.clone());
            }

            #[test]
            fn printed_types_are_what_athena_parses(ty in hive_type()) {
                prop_assert!(crate::athena::check(&ty).is_ok(), "{}", ty);
            }

            #[test]
            fn glue_spacing_and_case_parse_to_an_equivalent_tree(ty in hive_type()) {
                let respaced = glue_style(&ty.to_string());
                let parsed: HiveType = respaced.parse().unwrap();
                prop_assert!(parsed.equivalent(&ty), "{} vs {}", parsed, ty);
            }
        }
    }
}
