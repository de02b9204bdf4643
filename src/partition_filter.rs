//! A condition on partition values, from `--partitions "dt>=2020-09-19"` or `--since`: what
//! the scan lists, what plan compares and what the catalog is asked for.

use crate::hive::same_name;

/// A condition on one partition key, from `--partitions "dt>=2020-09-19"` or `--since`: lets
/// a scan list only the partition folders it needs. Values compare as text, which orders ISO
/// dates and zero-padded numbers correctly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionFilter {
    /// `None`: the table's first partition key, whatever its name (`--since`).
    pub key: Option<String>,
    pub op: FilterOp,
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    Eq,
    Ge,
    Gt,
    Le,
    Lt,
}

impl std::str::FromStr for PartitionFilter {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        for (symbol, op) in [
            (">=", FilterOp::Ge),
            ("<=", FilterOp::Le),
            (">", FilterOp::Gt),
            ("<", FilterOp::Lt),
            ("=", FilterOp::Eq),
        ] {
            if let Some((key, value)) = text.split_once(symbol) {
                let (key, value) = (key.trim(), value.trim());
                let operator = |part: &str| part.contains(['<', '>', '=']);
                if key.is_empty() || value.is_empty() || operator(key) || operator(value) {
                    break;
                }
                return Ok(PartitionFilter {
                    key: Some(key.to_string()),
                    op,
                    value: value.to_string(),
                });
            }
        }
        Err(format!(
            "`{text}` is not a partition condition; write KEY>=VALUE (or >, <=, <, =), such as \
             dt>=2020-09-19"
        ))
    }
}

impl std::fmt::Display for PartitionFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = match self.op {
            FilterOp::Eq => "=",
            FilterOp::Ge => ">=",
            FilterOp::Gt => ">",
            FilterOp::Le => "<=",
            FilterOp::Lt => "<",
        };
        match &self.key {
            Some(key) => write!(f, "{key}{op}{}", self.value),
            None => write!(f, "(first key){op}{}", self.value),
        }
    }
}

impl PartitionFilter {
    /// On or after `value` for the first partition key.
    pub fn since(value: &str) -> Self {
        PartitionFilter {
            key: None,
            op: FilterOp::Ge,
            value: value.to_string(),
        }
    }

    /// Whether the value of partition key `key` passes when it is the first key (or the one
    /// named). A value of another key passes: the condition is about its own key only.
    pub fn admits_value(&self, key: &str, value: &str) -> bool {
        self.key.as_ref().is_some_and(|k| !same_name(k, key)) || self.admits(value)
    }

    /// Whether partition `values` (for `keys`) pass.
    pub fn admits_partition(&self, keys: &[String], values: &[String]) -> bool {
        let index = match &self.key {
            None => Some(0),
            Some(key) => keys.iter().position(|k| same_name(k, key)),
        };
        index
            .and_then(|i| values.get(i))
            .is_none_or(|value| self.admits(value))
    }

    /// Compares as numbers when both sides are integers (`hour=9` comes before `hour=10`, as
    /// for Glue's numeric keys), as text otherwise (ISO dates sort as text).
    fn admits(&self, value: &str) -> bool {
        let ordering = match (value.parse::<i64>(), self.value.parse::<i64>()) {
            (Ok(value), Ok(wanted)) => value.cmp(&wanted),
            _ => value.cmp(self.value.as_str()),
        };
        match self.op {
            FilterOp::Eq => ordering.is_eq(),
            FilterOp::Ge => ordering.is_ge(),
            FilterOp::Gt => ordering.is_gt(),
            FilterOp::Le => ordering.is_le(),
            FilterOp::Lt => ordering.is_lt(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{FilterOp, PartitionFilter};

    #[test]
    fn conditions_with_two_operators_are_refused() {
        for text in ["dt>=>=x", "dt=>x", "a<b>c", ">=x", "dt>="] {
            assert!(text.parse::<PartitionFilter>().is_err(), "{text}");
        }
        assert!("dt>=2020-09-19".parse::<PartitionFilter>().is_ok());
    }

    #[test]
    fn filters_parse_and_admit() {
        let filter: PartitionFilter = "dt >= 2020-09-20".parse().unwrap();
        assert!(filter.admits_value("dt", "2020-09-20"));
        assert!(filter.admits_value("DT", "2020-10-01"));
        assert!(!filter.admits_value("dt", "2020-09-19"));
        assert!(
            filter.admits_value("year", "2019"),
            "another key is not filtered"
        );
        assert!(!filter.admits_partition(&["dt".into()], &["2020-09-01".into()]));
        let hour: PartitionFilter = "hour>=9".parse().unwrap();
        assert!(
            hour.admits_value("hour", "10"),
            "whole numbers compare as numbers"
        );
        assert!("dt".parse::<PartitionFilter>().is_err());
        assert!(">=x".parse::<PartitionFilter>().is_err());
        assert_eq!("day<5".parse::<PartitionFilter>().unwrap().op, FilterOp::Lt);
    }
}
