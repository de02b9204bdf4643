//! Lint: will Athena and Redshift Spectrum read the declared tables, and (with `--data`) every
//! file, correctly? The rules live in one table: a rule's engines and default severity are data,
//! easy to correct (catalog-facts §2–§4); `database.yaml` may override severities per rule.

use std::collections::HashMap;

use serde::Serialize;

use crate::column_path::ColumnPath;
use crate::readers::{Engine as Reader, Read, check_leaves};

/// An engine's reader rules.
use crate::declare::{ColumnSpec, Declared, DeclaredTable, LintLevel};
use crate::hive::{HiveType, same_name, same_names};
use crate::location::Location;
use crate::problem::Severity;
use crate::problem::shown;
use crate::scan::TableReport;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Athena,
    Spectrum,
    Both,
}

impl Engine {
    fn covers(self, rule: &Rule) -> bool {
        match self {
            Engine::Both => true,
            Engine::Athena => rule.athena,
            Engine::Spectrum => rule.spectrum,
        }
    }
}

/// One rule: its id, default severity, the engines it speaks for, and what to do.
#[derive(Debug)]
pub struct Rule {
    pub id: RuleId,
    pub severity: Severity,
    pub athena: bool,
    pub spectrum: bool,
    pub hint: &'static str,
}

/// The rules, by id: what `database.yaml`'s `lint:` names and findings report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleId {
    NameCharset,
    NameUppercase,
    NameLeading,
    NameLength,
    ReservedWord,
    StructFieldName,
    NestedArray,
    TypeLength,
    CommentLength,
    MissingDescription,
    UnreadableFile,
    LossyRead,
    DataError,
    PartitionKeys,
    TypeDecision,
}

use Severity::{Error, Warning};

impl RuleId {
    pub const ALL: [RuleId; 15] = [
        RuleId::NameCharset,
        RuleId::NameUppercase,
        RuleId::NameLeading,
        RuleId::NameLength,
        RuleId::ReservedWord,
        RuleId::StructFieldName,
        RuleId::NestedArray,
        RuleId::TypeLength,
        RuleId::CommentLength,
        RuleId::MissingDescription,
        RuleId::UnreadableFile,
        RuleId::LossyRead,
        RuleId::DataError,
        RuleId::PartitionKeys,
        RuleId::TypeDecision,
    ];

    /// The id as written in YAML and reports: `name-charset`.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleId::NameCharset => "name-charset",
            RuleId::NameUppercase => "name-uppercase",
            RuleId::NameLeading => "name-leading",
            RuleId::NameLength => "name-length",
            RuleId::ReservedWord => "reserved-word",
            RuleId::StructFieldName => "struct-field-name",
            RuleId::NestedArray => "nested-array",
            RuleId::TypeLength => "type-length",
            RuleId::CommentLength => "comment-length",
            RuleId::MissingDescription => "missing-description",
            RuleId::UnreadableFile => "unreadable-file",
            RuleId::LossyRead => "lossy-read",
            RuleId::DataError => "data-error",
            RuleId::PartitionKeys => "partition-keys",
            RuleId::TypeDecision => "type-decision",
        }
    }

    pub fn parse(id: &str) -> Option<RuleId> {
        RuleId::ALL.into_iter().find(|rule| rule.as_str() == id)
    }

    pub fn rule(self) -> Rule {
        let (severity, athena, spectrum, hint) = match self {
            RuleId::NameCharset => (
                Error,
                true,
                true,
                "use only a-z, 0-9 and _ (catalog-facts §2)",
            ),
            RuleId::NameUppercase => (
                Warning,
                true,
                true,
                "Glue folds names to lowercase: write them lowercase",
            ),
            RuleId::NameLeading => (
                Warning,
                true,
                true,
                "names starting with _ or a digit need quoting in every query",
            ),
            RuleId::NameLength => (
                Error,
                true,
                true,
                "Glue allows 255 bytes for names, Athena 128 characters for columns",
            ),
            RuleId::ReservedWord => (
                Warning,
                true,
                true,
                "an Athena reserved word must be quoted in every query: rename it",
            ),
            RuleId::StructFieldName => (
                Warning,
                false,
                true,
                "whether Redshift Spectrum reads struct fields with spaces defined through the Glue API is unverified: test a query, or rename the property at the source (Athena reads them)",
            ),
            RuleId::NestedArray => (
                Warning,
                false,
                true,
                "Redshift Spectrum reads arrays of arrays or of maps poorly: flatten the column",
            ),
            RuleId::TypeLength => (
                Warning,
                true,
                false,
                "Athena's metadata API returns at most 4,096 characters of a type (queries still work, some tools truncate): split the struct",
            ),
            RuleId::CommentLength => (
                Error,
                true,
                true,
                "Glue keeps at most 255 characters of a column comment, on one line",
            ),
            RuleId::MissingDescription => (
                Warning,
                true,
                true,
                "add a description: analysts find tables by it",
            ),
            RuleId::UnreadableFile => (
                Error,
                true,
                true,
                "the file's type cannot be read as the declared type (HIVE_BAD_DATA / incompatible Parquet schema): fix the declaration or rewrite the file",
            ),
            RuleId::LossyRead => (
                Warning,
                true,
                false,
                "the file reads, but with less meaning than it holds (decimals rounded, text cut, epoch counts or days as numbers): declare the type the data has if that matters",
            ),
            RuleId::DataError => (
                Error,
                true,
                true,
                "the file cannot be read at all, or its table's files disagree",
            ),
            RuleId::PartitionKeys => (
                Error,
                true,
                true,
                "the data's partition folders do not match the declared partition keys",
            ),
            RuleId::TypeDecision => (
                Warning,
                true,
                true,
                "the data holds a type with no exact Hive equivalent",
            ),
        };
        Rule {
            id: self,
            severity,
            athena,
            spectrum,
            hint,
        }
    }
}

/// Athena DDL reserved words (catalog-facts §2), lowercase, as the documentation lists them.
const RESERVED: &str = "\
    all alter and array as authorization between bigint binary boolean both by case cast \
    char column conf constraint commit create cross cube current current_date \
    current_timestamp cursor database date dayofweek decimal delete describe distinct div \
    double drop else end exchange exists extended external extract false fetch float floor \
    following for foreign from full function grant group grouping having if import in inner \
    insert int integer intersect interval into is join lateral left less like local macro \
    map more none not null numeric of on only or order out outer over partialscan partition \
    percent preceding precision preserve primary procedure range reads reduce regexp \
    references revoke right rlike rollback rollup row rows select set smallint start table \
    tablesample then time timestamp to transform trigger true truncate unbounded union \
    uniquejoin update user using utc_timestamp values varchar views when where window with";

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub file: String,
    pub line: u64,
    pub message: String,
    pub hint: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<String>,
}

struct Linter<'a> {
    engine: Engine,
    overrides: &'a std::collections::BTreeMap<String, LintLevel>,
    findings: Vec<Finding>,
}

impl Linter<'_> {
    fn report(&mut self, id: RuleId, file: &str, line: u64, message: String, objects: Vec<String>) {
        let rule = id.rule();
        if !self.engine.covers(&rule) {
            return;
        }
        let severity = match self.overrides.get(id.as_str()) {
            Some(LintLevel::Off) => return,
            Some(LintLevel::Error) => Error,
            Some(LintLevel::Warning) => Warning,
            None => rule.severity,
        };
        self.findings.push(Finding {
            rule: id.as_str(),
            severity,
            file: file.to_string(),
            line: line.max(1),
            message: shown(&message).into_owned(),
            hint: rule.hint,
            objects,
        });
    }

    fn name(&mut self, what: &str, name: &str, file: &str, line: u64) {
        if name
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || c == '_'))
        {
            self.report(
                RuleId::NameCharset,
                file,
                line,
                format!("{what} `{name}` has characters other than a-z, 0-9 and _"),
                vec![],
            );
        }
        if name.chars().any(|c| c.is_ascii_uppercase()) {
            self.report(
                RuleId::NameUppercase,
                file,
                line,
                format!("{what} `{name}` has capitals"),
                vec![],
            );
        }
        if name.starts_with('_') || name.starts_with(|c: char| c.is_ascii_digit()) {
            self.report(
                RuleId::NameLeading,
                file,
                line,
                format!("{what} `{name}` starts with _ or a digit"),
                vec![],
            );
        }
        let limit = if what == "table" { 255 } else { 128 };
        if name.len() > limit {
            self.report(
                RuleId::NameLength,
                file,
                line,
                format!(
                    "{what} `{name}` is {} characters long (at most {limit})",
                    name.len()
                ),
                vec![],
            );
        }
        if RESERVED
            .split_whitespace()
            .any(|word| word.eq_ignore_ascii_case(name))
        {
            self.report(
                RuleId::ReservedWord,
                file,
                line,
                format!("{what} `{name}` is an Athena reserved word"),
                vec![],
            );
        }
    }

    fn column(&mut self, column: &ColumnSpec, file: &str) {
        let line = column.name.referenced.line();
        let name = &column.name.value;
        self.name("column", name, file, line);
        if column
            .comment
            .as_ref()
            .is_some_and(|c| c.chars().count() > 255 || c.contains(['\n', '\r']))
        {
            self.report(
                RuleId::CommentLength,
                file,
                line,
                format!("the comment of `{name}` is over 255 characters or spans lines"),
                vec![],
            );
        }
        let text = column.ty.0.to_string();
        if text.len() > 4096 {
            self.report(
                RuleId::TypeLength,
                file,
                line,
                format!(
                    "the type of `{name}` is {} characters long (Athena shows 4,096)",
                    text.len()
                ),
                vec![],
            );
        }
        self.nested(&column.ty.0, &ColumnPath::column(name), file, line, false);
    }

    fn nested(&mut self, ty: &HiveType, path: &ColumnPath, file: &str, line: u64, in_array: bool) {
        match ty {
            HiveType::Struct(fields) => {
                for field in fields {
                    let nested = path.field(&field.name);
                    if field
                        .name
                        .chars()
                        .any(|c| !(c.is_alphanumeric() || c == '_'))
                    {
                        self.report(
                            RuleId::StructFieldName,
                            file,
                            line,
                            format!(
                                "struct field `{nested}` has characters other than letters, \
                                 digits and _"
                            ),
                            vec![],
                        );
                    }
                    self.nested(&field.ty, &nested, file, line, false);
                }
            }
            HiveType::Array(element) => {
                if in_array {
                    self.report(
                        RuleId::NestedArray,
                        file,
                        line,
                        format!("`{path}` is an array of arrays"),
                        vec![],
                    );
                }
                self.nested(element, &path.element(), file, line, true);
            }
            HiveType::Map(_, value) => {
                if in_array {
                    self.report(
                        RuleId::NestedArray,
                        file,
                        line,
                        format!("`{path}` is an array of maps"),
                        vec![],
                    );
                }
                self.nested(value, &path.value(), file, line, false);
            }
            _ => {}
        }
    }

    fn table(&mut self, table: &DeclaredTable, report: Option<&TableReport>) {
        let file = table.path.display().to_string();
        self.name("table", &table.file.name, &file, 1);
        if table.file.description.is_none() {
            self.report(
                RuleId::MissingDescription,
                &file,
                1,
                format!("table `{}` has no description", table.file.name),
                vec![],
            );
        }
        for key in table.partition_keys.iter() {
            self.name("partition key", &key.name, &file, 1);
        }
        for column in &table.file.columns {
            self.column(column, &file);
        }
        if let Some(report) = report {
            self.data(table, report, &file);
        }
    }

    fn data(&mut self, table: &DeclaredTable, report: &TableReport, file: &str) {
        let line_of = |name: &str| {
            table
                .file
                .columns
                .iter()
                .find(|c| same_name(&c.name.value, name))
                .map_or(1, |c| c.name.referenced.line())
        };
        let declared = |name: &str| {
            table
                .file
                .columns
                .iter()
                .find(|c| same_name(&c.name.value, name))
                .map(|c| &c.ty.0)
        };
        for variant in &report.variants {
            let judges = [
                ("Athena", self.engine != Engine::Spectrum, Reader::Athena),
                ("Spectrum", self.engine != Engine::Athena, Reader::Spectrum),
            ];
            let reads = judges
                .into_iter()
                .filter(|(_, applies, _)| *applies)
                .flat_map(|(engine, _, judge)| {
                    check_leaves(&variant.schema.leaves, declared, judge)
                        .into_iter()
                        .map(move |read| (engine, read))
                });
            for (engine, read) in reads {
                let (rule, what) = match &read.read {
                    Read::Lossy(why) => {
                        (RuleId::LossyRead, format!("{engine} reads it, but {why}"))
                    }
                    Read::FailsOnSome(why) | Read::Garbles(why) => (
                        RuleId::UnreadableFile,
                        format!("{engine} reads it wrongly: {why}"),
                    ),
                    _ => (
                        RuleId::UnreadableFile,
                        format!("{engine} cannot read it as the declared {}", read.declared),
                    ),
                };
                self.report(
                    rule,
                    file,
                    line_of(&read.column),
                    format!(
                        "{} file(s) hold `{}` as {}, declared {}: {what}",
                        variant.files, read.path, read.parquet, read.declared
                    ),
                    variant.samples.clone(),
                );
            }
        }
        for problem in &report.problems {
            let rule = match problem.severity {
                Severity::Error => RuleId::DataError,
                Severity::Warning => RuleId::TypeDecision,
            };
            self.report(
                rule,
                file,
                1,
                problem.message.clone(),
                problem.objects.clone(),
            );
        }
        let data_keys: Vec<&str> = report
            .partition_keys
            .iter()
            .map(|k| k.name.as_str())
            .collect();
        let declared_keys: Vec<&str> = table
            .partition_keys
            .iter()
            .map(|k| k.name.as_str())
            .collect();
        if report.files > 0 && !same_names(data_keys.iter().copied(), declared_keys.iter().copied())
        {
            self.report(
                RuleId::PartitionKeys,
                file,
                1,
                format!(
                    "the files sit in partition folders ({}) but the table declares ({})",
                    data_keys.join(", "),
                    declared_keys.join(", ")
                ),
                vec![],
            );
        }
    }
}

/// Lints the declared tables (and, with `reports`, their files: by table location).
pub fn lint(
    declared: &Declared,
    engine: Engine,
    reports: Option<&HashMap<Location, TableReport>>,
) -> Result<Vec<Finding>, String> {
    let mut findings = Vec::new();
    for database in &declared.databases {
        if let Some(unknown) = database
            .file
            .lint
            .keys()
            .find(|id| RuleId::parse(id).is_none())
        {
            return Err(format!(
                "{}: unknown lint rule `{unknown}` (rules: {})",
                database.dir.join(crate::declare::DATABASE_FILE).display(),
                RuleId::ALL.map(RuleId::as_str).join(", ")
            ));
        }
        let mut linter = Linter {
            engine,
            overrides: &database.file.lint,
            findings: Vec::new(),
        };
        let file = database
            .dir
            .join(crate::declare::DATABASE_FILE)
            .display()
            .to_string();
        linter.name("database", &database.file.name, &file, 1);
        for table in &database.tables {
            linter.table(table, reports.and_then(|r| r.get(&table.location)));
        }
        findings.extend(linter.findings);
    }
    Ok(findings)
}
