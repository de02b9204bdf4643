//! Rendering: every result as text for people and as JSON, markdown or JUnit for scripts.
//! Rendering reads the values the stages produce and never the other way round.

mod catalog_page;
mod declared;
mod drift;
mod organize;
mod plan;
mod scan;

pub use catalog_page::catalog_html;
pub use declared::{import_text, lint_text, onboard_text};
pub use drift::{drift_annotations, drift_junit, drift_markdown};
pub use organize::organize_text;
pub use plan::{plan_json, plan_summary, plan_text};
pub use scan::{scan_text, stats_text, write_scan_json};
