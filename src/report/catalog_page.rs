//! The catalog page as one self-contained HTML file: styles, script and charts inline, no
//! request to anywhere, so it works from a file, a static bucket or a CI artifact.

use chrono::NaiveDate;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::docs::{
    CatalogPage, CatalogState, DatabasePage, DayVolume, DriftBadge, EventPage, Registered,
    TablePage,
};

const STYLE: &str = include_str!("catalog_page.css");
const SCRIPT: &str = include_str!("catalog_page.js");
/// Longer calendars are drawn as the days present only: a bar per day would be a hairline.
const MOST_DAYS_DRAWN: i64 = 730;
/// Column lists longer than this start folded, so that the events stay in view.
const FEW_COLUMNS: usize = 12;

pub fn catalog_html(page: &CatalogPage) -> String {
    let events: usize = page.databases.iter().map(|d| d.events.len()).sum();
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Event catalog" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    h1 { "Event catalog" }
                    p.meta {
                        (events) " event(s) in " (page.databases.len()) " database(s). Made by glueprint "
                        (env!("CARGO_PKG_VERSION")) " at " (page.generated_at) "; "
                        @match &page.catalog {
                            CatalogState::Checked(catalog) => { "partitions and drift from " (catalog) "." }
                            CatalogState::NotChecked(reason) => { "the live catalog was not read (" (reason) "): partitions and drift not checked." }
                        }
                    }
                    div.search role="search" {
                        label for="search" { "Filter events and properties" }
                        input #search type="search" autocomplete="off" spellcheck="false"
                            placeholder="Event, table, column or property name (press / to focus)"
                            aria-describedby="shown";
                        p #shown aria-live="polite" { (events) " of " (events) " events shown" }
                    }
                }
                main {
                    @for database in &page.databases { (database_section(database, page)) }
                }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    }
    .into_string()
}

fn database_section(database: &DatabasePage, page: &CatalogPage) -> Markup {
    html! {
        section.database {
            h2 { "Database " code { (database.name) } }
            @if let Some(description) = &database.description { p { (description) } }
            p.meta { "Lake: " code { (database.location) } }
            @if let Some(error) = &database.listing_error {
                p.problem { "The lake could not be listed (" (error) "): only declared events are shown, without files." }
            }
            @for event in &database.events { (event_section(event, &database.name, page)) }
        }
    }
}

/// Every name the search box matches for an event, lowercased, one per line.
fn search_terms(event: &EventPage) -> String {
    let mut terms = vec![event.event.clone(), event.table.clone()];
    if let Some(table) = &event.declared {
        terms.extend(table.columns.iter().map(|c| c.path.clone()));
        terms.extend(table.properties.iter().map(|p| p.key.clone()));
    }
    terms.join("\n").to_lowercase()
}

fn event_section(event: &EventPage, database: &str, page: &CatalogPage) -> Markup {
    let id = format!("{database}.{}", event.table);
    html! {
        article.event id=(id) data-search=(search_terms(event)) {
            h3 {
                a href={ "#" (id) } { (event.event) }
                " " code.table { (database) "." (event.table) }
            }
            p.badges {
                @if event.declared.is_some() { span.badge.ok { "onboarded" } } @else { span.badge.todo { "not onboarded" } }
                (drift_badge(&event.drift))
                @if let Some(newest) = freshness(event) { span.badge { "newest day " time { (newest) } } }
                span.badge { (event.files) " file(s), " (human_bytes(event.bytes)) }
            }
            (volume_chart(event))
            @if let Some(command) = &event.onboard {
                p { "Files in " code { (event.location) } " on " (event.days.len()) " day(s)"
                    @if let (Some(first), Some(last)) = (event.days.first(), event.days.last()) { " (" (first.day) " to " (last.day) ")" }
                    ". Ask for it to be onboarded:" }
                div.onboard { (copyable(command)) }
            }
            @if let Some(table) = &event.declared { (table_details(table, event, page)) }
            @if let DriftBadge::Findings(findings) = &event.drift {
                details.drift {
                    summary { "Drift: " (findings.len()) " finding(s)" }
                    ul { @for finding in findings { li { (finding.message) } } }
                }
            }
        }
    }
}

fn drift_badge(drift: &DriftBadge) -> Markup {
    html! {
        @match drift {
            DriftBadge::NotChecked => span.badge { "drift not checked" },
            DriftBadge::Clean => span.badge.ok { "no drift" },
            DriftBadge::Findings(findings) => span.badge.problem { (findings.len()) " drift finding(s)" },
        }
    }
}

/// The newest registered day, else the newest day in the lake.
fn freshness(event: &EventPage) -> Option<&str> {
    match event.declared.as_ref().map(|t| &t.registered) {
        Some(Registered::Days {
            newest: Some(newest),
            ..
        }) => Some(newest),
        _ => event.days.last().map(|d| d.day.as_str()),
    }
}

fn table_details(table: &TablePage, event: &EventPage, page: &CatalogPage) -> Markup {
    html! {
        @if let Some(description) = &table.description { p { (description) } }
        p.meta { "Declared in " code { (table.file) } "; files in " code { (event.location) } "." }
        p {
            "Partitions: "
            @for (i, (name, ty)) in table.partition_keys.iter().enumerate() {
                @if i > 0 { ", " } code { (name) " " (ty) }
            }
            @if table.partition_keys.is_empty() { "none" }
            "; "
            @match &table.registered {
                Registered::NotChecked => "registered partitions not checked.",
                Registered::Projection => "projected by Athena (none registered).",
                Registered::Days { count, first, newest } => {
                    (count) " registered"
                    @if let (Some(first), Some(newest)) = (first, newest) { ", " (first) " to " (newest) }
                    "."
                }
            }
        }
        details open[table.properties.is_empty() && table.columns.len() <= FEW_COLUMNS] {
            summary { "Columns (" (table.columns.len()) ")" }
            div.scroll { table {
                thead { tr { th { "Column" } th { "Type" } th { "Comment" } th { "Athena" } th { "Redshift Spectrum" } } }
                tbody { @for column in &table.columns { tr {
                    td { code { (column.path) } }
                    td { code.type { (column.ty) } }
                    td { (column.comment.as_deref().unwrap_or("")) }
                    td { (copyable(&column.athena)) }
                    td { @match &column.spectrum {
                        Some(query) => (copyable(query)),
                        None => span.meta { "a whole struct cannot be returned: select its fields" },
                    } }
                } } }
            } }
        }
        @if let (Some(view), false) = (&table.view, table.properties.is_empty()) {
            details open[table.properties.len() <= FEW_COLUMNS] {
                summary { "Properties (" (table.properties.len()) ")" }
                p.meta {
                    "Each property is a column of the typed view. Athena: " code { "SELECT <view column> FROM " (view.athena) }
                    "; Redshift Spectrum: " code { "SELECT <view column> FROM " (view.spectrum) } "."
                }
                @let sampled = table.properties.iter().any(|p| p.branches.is_some());
                div.scroll { table.properties data-athena=(view.athena) data-spectrum=(view.spectrum) {
                    thead { tr { th { "Property" } th { "Type" } @if sampled { th { "Branches seen" } } th { "View column" } th { "Copy a query" } } }
                    // Rows stay small: a table may have hundreds of properties, and a lake hundreds
                    // of tables. The script composes each query from the view column.
                    tbody { @for (index, property) in table.properties.iter().enumerate() {
                        // A row per union-map column, then its keys: rows stay small.
                        @if index == 0 || table.properties[index - 1].column != property.column {
                            tr.group { th colspan="5" scope="rowgroup" { (property.column) } }
                        }
                        tr {
                            td { (property.key) }
                            td { (property.ty) }
                            @if sampled { td { @match &property.branches {
                                Some(branches) if !branches.is_empty() => (branches.join(", ")),
                                _ => "none in the sample",
                            } } }
                            td.column { (property.view_column) }
                            td { button data-engine="athena" { "Athena" } " " button data-engine="spectrum" { "Spectrum" } }
                        }
                    } }
                } }
            }
        }
        @if let Some(view) = &table.view {
            details {
                summary { "View " code { (view.athena) } }
                p { "Its columns: "
                    @for (name, ty) in &view.plain_columns { code { (name) " " (ty) } ", " }
                    "and one column per property, as listed above." }
            }
        }
        @if !table.spectrum_limits.is_empty() {
            ul.limits { @for limit in &table.spectrum_limits { li { (limit) } } }
        }
        @if page.spectrum_schema.is_empty() {} @else {
            p.meta { "Spectrum queries name the external schema " code { (page.spectrum_schema) } " (CREATE EXTERNAL SCHEMA … FROM DATA CATALOG DATABASE '" (table.database) "')." }
        }
    }
}

fn copyable(text: &str) -> Markup {
    html! {
        span.copy {
            code.query { (text) }
            button type="button" aria-label="Copy" { "Copy" }
        }
    }
}

/// Files per day as bars over the calendar from the first day to the last: a missing day is
/// a red mark on the axis, a drop a short bar.
fn volume_chart(event: &EventPage) -> Markup {
    let days = calendar(&event.days);
    if days.is_empty() {
        return html! {};
    }
    let most = days
        .iter()
        .filter_map(|(_, volume)| volume.map(|v| v.files))
        .max()
        .unwrap_or(1)
        .max(1);
    let (width, height) = (600.0_f64, 60.0_f64);
    // A short range keeps day-wide bars, not page-wide ones.
    let step = (width / days.len() as f64).min(20.0);
    let missing = days.iter().filter(|(_, v)| v.is_none()).count();
    let label = format!(
        "Files per day, {} to {}: {} day(s), {} missing, at most {} file(s) a day",
        days[0].0,
        days[days.len() - 1].0,
        days.len(),
        missing,
        most
    );
    html! {
        figure.chart {
            svg viewBox={ "0 0 " (width) " " (height + 4.0) } preserveAspectRatio="none" role="img" aria-label=(label) {
                @for (i, (day, volume)) in days.iter().enumerate() {
                    @match volume {
                        Some(volume) => {
                            @let bar = (volume.files as f64 / most as f64 * height).max(1.0);
                            rect x=(format!("{:.2}", i as f64 * step)) y=(format!("{:.2}", height - bar))
                                width=(format!("{:.2}", (step * 0.85).max(0.5))) height=(format!("{:.2}", bar)) {
                                title { (day) ": " (volume.files) " file(s), " (human_bytes(volume.bytes)) }
                            }
                        },
                        None => {
                            rect.missing x=(format!("{:.2}", i as f64 * step)) y=(format!("{:.2}", height))
                                width=(format!("{:.2}", (step * 0.85).max(0.5))) height="4" {
                                title { (day) ": no files" }
                            }
                        },
                    }
                }
            }
            figcaption { (label) }
        }
    }
}

/// The days to draw: every calendar day from the first to the last when the partitions are
/// dates (a missing one as `None`), else the partitions present.
fn calendar(days: &[DayVolume]) -> Vec<(String, Option<&DayVolume>)> {
    let dates: Option<Vec<NaiveDate>> = days
        .iter()
        .map(|d| NaiveDate::parse_from_str(&d.day, "%Y-%m-%d").ok())
        .collect();
    match dates.as_deref() {
        Some([first, .., last]) if (*last - *first).num_days() < MOST_DAYS_DRAWN => first
            .iter_days()
            .take_while(|day| day <= last)
            .map(|day| {
                let text = day.format("%Y-%m-%d").to_string();
                let volume = days.iter().find(|d| d.day == text);
                (text, volume)
            })
            .collect(),
        _ => days.iter().map(|d| (d.day.clone(), Some(d))).collect(),
    }
}

fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(day: &str, files: u64) -> DayVolume {
        DayVolume {
            day: day.into(),
            files,
            bytes: files * 10,
        }
    }

    #[test]
    fn a_missing_day_is_drawn_as_missing() {
        let days = [day("2020-09-29", 2), day("2020-10-01", 1)];
        let drawn: Vec<(String, bool)> = calendar(&days)
            .into_iter()
            .map(|(day, volume)| (day, volume.is_some()))
            .collect();
        assert_eq!(
            drawn,
            [
                ("2020-09-29".to_string(), true),
                ("2020-09-30".to_string(), false),
                ("2020-10-01".to_string(), true)
            ]
        );
    }

    #[test]
    fn partitions_that_are_not_dates_are_drawn_as_they_are() {
        let days = [day("eu-1", 2), day("us-1", 1)];
        let drawn: Vec<String> = calendar(&days).into_iter().map(|(day, _)| day).collect();
        assert_eq!(drawn, ["eu-1", "us-1"]);
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1_347_405), "1.3 MB");
    }
}
