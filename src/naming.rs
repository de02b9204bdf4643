//! Names: how a CleverTap event name becomes a Glue table name.

/// The table name of an event: lowercase, every run of characters other than `[a-z0-9]`
/// becomes one `_`, with none at either end (`"App Launched"` → `app_launched`). Glue and
/// Athena fold names to lowercase and query only `[a-z0-9_]` names safely (catalog-facts §2).
pub fn table_name(event: &str) -> String {
    let mut name = String::with_capacity(event.len());
    let mut pending_separator = false;
    for c in event.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_separator && !name.is_empty() {
                name.push('_');
            }
            pending_separator = false;
            name.push(c.to_ascii_lowercase());
        } else {
            pending_separator = true;
        }
    }
    name
}

/// What CleverTap considers the same event: names compared without case and spaces
/// (`App Launched` = `app launched` = `AppLaunched`, catalog-facts §7).
pub fn event_identity(event: &str) -> String {
    event
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{event_identity, table_name};

    #[test]
    fn event_identity_ignores_case_and_spaces() {
        assert_eq!(
            event_identity("App Launched"),
            event_identity("AppLaunched")
        );
        assert_eq!(event_identity("app  launched"), "applaunched");
        assert_ne!(
            event_identity("App-Launched"),
            event_identity("App Launched")
        );
    }

    #[test]
    fn event_names_become_safe_table_names() {
        assert_eq!(table_name("App Launched"), "app_launched");
        assert_eq!(table_name("  UTM -- Visited!"), "utm_visited");
        assert_eq!(table_name("Charged"), "charged");
        assert_eq!(table_name("Product Viewed (v2)"), "product_viewed_v2");
    }
}
