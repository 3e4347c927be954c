//! Query-string values as a client sends them.

/// `raw` percent-encoded for a query string (`application/x-www-form-urlencoded`, as axum's
/// `Query` reads it): cursors, search values, emails.
pub fn query_value(raw: &str) -> String {
    form_urlencoded::byte_serialize(raw.as_bytes()).collect()
}
