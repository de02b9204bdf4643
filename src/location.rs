//! Where tables and partitions live, as one value.
//!
//! A table is found by its folder: the declaration names it, the scan reads it, the catalog
//! holds it, and plan matches the three. Compared as text, `s3://lake/t`, `s3://lake/t/` and
//! `s3://lake//t/` would be three folders, and a table would silently look empty; as a
//! [`Location`] they are one.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A folder in a lake: `s3://bucket/prefix/` or a local path, in one written form (one `/`
/// between parts and one at the end, no `.` parts), so two spellings of a folder are equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub struct Location(String);

impl Location {
    pub fn new(text: &str) -> Location {
        let (scheme, path) = match text.split_once("://") {
            Some((scheme, path)) => (Some(scheme), path),
            None => (None, text),
        };
        let mut written = String::with_capacity(text.len() + 1);
        if let Some(scheme) = scheme {
            written.push_str(&scheme.to_ascii_lowercase());
            written.push_str("://");
        }
        if path.starts_with('/') {
            written.push('/');
        }
        for part in path
            .split('/')
            .filter(|part| !part.is_empty() && *part != ".")
        {
            written.push_str(part);
            written.push('/');
        }
        if written.is_empty() {
            written.push_str("./");
        }
        Location(written)
    }

    /// The folder `relative` below this one (`relative` may hold several parts).
    pub fn join(&self, relative: &str) -> Location {
        Location::new(&format!("{}{relative}", self.0))
    }

    /// The folder holding this one and this folder's name: a table's lake root and table
    /// folder. `None` for a root (`s3://bucket/`, `/`), which no folder holds.
    pub fn split_last(&self) -> Option<(Location, &str)> {
        let trimmed = self.0.strip_suffix('/')?;
        let (parent, name) = match trimmed.rsplit_once('/') {
            Some((parent, _)) if parent.ends_with(":/") => return None,
            Some((parent, name)) => (Location::new(&format!("{parent}/")), name),
            None => (Location::new("."), trimmed),
        };
        (!name.is_empty()).then_some((parent, name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the folder is in S3, where Athena and Spectrum read tables from.
    pub fn is_s3(&self) -> bool {
        self.0.starts_with("s3://")
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for Location {
    fn from(text: String) -> Self {
        Location::new(&text)
    }
}

impl From<&str> for Location {
    fn from(text: &str) -> Self {
        Location::new(text)
    }
}

impl From<Location> for String {
    fn from(location: Location) -> Self {
        location.0
    }
}

impl PartialEq<str> for Location {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Location {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::Location;

    #[test]
    fn spellings_of_one_folder_are_one_location() {
        for text in [
            "s3://lake/t",
            "s3://lake/t/",
            "s3://lake//t//",
            "S3://lake/./t/",
        ] {
            assert_eq!(Location::new(text).as_str(), "s3://lake/t/", "{text}");
        }
        assert_eq!(Location::new("lake").as_str(), "lake/");
        assert_eq!(Location::new("./lake/t").as_str(), "lake/t/");
        assert_eq!(Location::new("/tmp/lake/").as_str(), "/tmp/lake/");
        assert_eq!(Location::new("").as_str(), "./");
        assert_eq!(Location::new("s3://bucket").as_str(), "s3://bucket/");
    }

    #[test]
    fn joins_and_splits_folders() {
        let root = Location::new("s3://lake/clevertap");
        let table = root.join("charged");
        assert_eq!(table.as_str(), "s3://lake/clevertap/charged/");
        assert_eq!(
            table.join("dt=2020-09-19/").as_str(),
            "s3://lake/clevertap/charged/dt=2020-09-19/"
        );
        assert_eq!(table.split_last(), Some((root, "charged")));
        assert_eq!(
            Location::new("lake/t").split_last(),
            Some((Location::new("lake"), "t"))
        );
        assert_eq!(
            Location::new("t").split_last(),
            Some((Location::new("."), "t"))
        );
        assert_eq!(
            Location::new("/t").split_last(),
            Some((Location::new("/"), "t"))
        );
        assert_eq!(Location::new("s3://bucket/").split_last(), None);
        assert_eq!(Location::new("/").split_last(), None);
    }
}
