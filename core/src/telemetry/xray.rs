//! The X-Ray trace id, as logs and EMF documents carry it.

/// The trace id of an X-Ray trace header (`Root=1-5759e988-bd862e3fe1be46a994272793;Parent=…;
/// Sampled=1`, as Lambda gives it), which the X-Ray console searches by; nothing if the header
/// holds no plausible one (so that it cannot forge a log field).
pub fn xray_trace_id(header: &str) -> Option<String> {
    let root = header
        .split(';')
        .find_map(|part| part.trim().strip_prefix("Root="))?;
    ((1..=64).contains(&root.len()) && root.chars().all(|c| c.is_ascii_hexdigit() || c == '-'))
        .then(|| root.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trace_id_is_the_root_of_the_xray_header_and_nothing_that_is_not_one() {
        assert_eq!(
            xray_trace_id(
                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
            )
            .as_deref(),
            Some("1-5759e988-bd862e3fe1be46a994272793")
        );
        assert_eq!(xray_trace_id("Parent=1;Sampled=0"), None);
        assert_eq!(xray_trace_id("Root=1-abc\"}{;Sampled=1"), None);
    }
}
