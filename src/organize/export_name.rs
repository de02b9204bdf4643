//! CleverTap's export object names: `<request id>-<run timestamp>-<event name>-<yyyymmdd>-<file
//! index>-<database id>.<ext>` (catalog-facts §7), the event name possibly holding spaces and `-`.

use chrono::NaiveDate;

/// One CleverTap export object name, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportName {
    pub request_id: String,
    pub run_timestamp: String,
    pub event: String,
    pub date: NaiveDate,
    pub file_index: u32,
    pub database_id: String,
    /// The name without its extensions: the base of the organized file's name.
    pub base: String,
}

/// Parses an export file name; `None` when it does not follow the export pattern. Event names
/// and database ids (`W8W-4K7-WK5Z`) may both hold `-`, so the date and file index are found as
/// the last `-<8 digits>-<digits>-` run.
pub fn parse_export_name(file_name: &str) -> Option<ExportName> {
    let base = strip_extensions(file_name)?;
    let (request_id, rest) = base.split_once('-')?;
    let (run_timestamp, rest) = rest.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if request_id.is_empty() || !digits(run_timestamp) {
        return None;
    }
    let parts: Vec<&str> = rest.split('-').collect();
    let at = (1..parts.len().saturating_sub(2))
        .rev()
        .find(|&i| parts[i].len() == 8 && digits(parts[i]) && digits(parts[i + 1]))?;
    let event = parts[..at].join("-");
    let database_id = parts[at + 2..].join("-");
    if event.trim().is_empty() || database_id.is_empty() {
        return None;
    }
    Some(ExportName {
        request_id: request_id.to_string(),
        run_timestamp: run_timestamp.to_string(),
        event,
        date: NaiveDate::parse_from_str(parts[at], "%Y%m%d").ok()?,
        file_index: parts[at + 1].parse().ok()?,
        database_id,
        base: base.to_string(),
    })
}

fn strip_extensions(file_name: &str) -> Option<&str> {
    [".parquet.gzip", ".parquet.gz", ".parquet"]
        .iter()
        .find_map(|ext| file_name.strip_suffix(ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_names_with_spaces_and_dashes_parse() {
        let name = parse_export_name(
            "1600473600123-1600480000-App Launched - iOS-20200919-3-W8W-4K7-WK5Z.parquet.gzip",
        )
        .unwrap();
        assert_eq!(name.event, "App Launched - iOS");
        assert_eq!(name.database_id, "W8W-4K7-WK5Z");
        let name = parse_export_name(
            "1600473600123-1600480000-UTM Visited - Web-20200919-3-ZWWWWWW4Z.parquet.gzip",
        )
        .unwrap();
        assert_eq!(name.event, "UTM Visited - Web");
        assert_eq!(name.date, NaiveDate::from_ymd_opt(2020, 9, 19).unwrap());
        assert_eq!(name.file_index, 3);
        assert_eq!(name.database_id, "ZWWWWWW4Z");
        assert_eq!(
            name.base,
            "1600473600123-1600480000-UTM Visited - Web-20200919-3-ZWWWWWW4Z"
        );
        assert_eq!(
            parse_export_name("42-1600480000-Charged-20201231-0-abc.parquet")
                .unwrap()
                .event,
            "Charged"
        );
    }

    #[test]
    fn other_names_are_not_exports() {
        for name in [
            "notes.txt",
            "Charged-20200919.parquet",
            "42-1600480000-Charged-2020091-0-abc.parquet",
            "42-1600480000-Charged-20201340-0-abc.parquet",
            "42-x-Charged-20200919-0-abc.parquet",
            "42-1600480000--20200919-0-abc.parquet",
        ] {
            assert_eq!(parse_export_name(name), None, "{name}");
        }
    }
}
