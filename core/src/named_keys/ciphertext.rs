//! The ciphertext's text form, `coffer:v<version>:<base64 of the envelope>`: the version is in
//! clear so a reader picks the data key without opening anything; it is also inside the
//! envelope's authenticated key reference, so editing it only makes the ciphertext fail.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

const PREFIX: &str = "coffer:v";

/// The text form of `envelope` made with `version`.
pub fn format(version: u32, envelope: &[u8]) -> String {
    let mut out = String::with_capacity(PREFIX.len() + 11 + envelope.len().div_ceil(3) * 4);
    out.push_str(PREFIX);
    out.push_str(&version.to_string());
    out.push(':');
    STANDARD.encode_string(envelope, &mut out);
    out
}

/// The version and envelope bytes of a ciphertext in text form; `None` for anything else.
pub fn parse(text: &str) -> Option<(u32, Vec<u8>)> {
    let rest = text.strip_prefix(PREFIX)?;
    let (version, body) = rest.split_once(':')?;
    if version.is_empty()
        || version.len() > 10
        || !version.bytes().all(|b| b.is_ascii_digit())
        || version.starts_with('0')
    {
        return None;
    }
    let version: u32 = version.parse().ok()?;
    let envelope = STANDARD.decode(body).ok()?;
    Some((version, envelope))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_text_form_names_the_version() {
        assert_eq!(format(3, b"\x02abc"), "coffer:v3:AmFiYw==");
        assert_eq!(parse("coffer:v3:AmFiYw=="), Some((3, b"\x02abc".to_vec())));
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "",
            "coffer:v",
            "coffer:v1",
            "coffer:v:AA==",
            "coffer:v0:AA==",
            "coffer:v01:AA==",
            "coffer:v-1:AA==",
            "coffer:v+1:AA==",
            "coffer:v99999999999:AA==",
            "coffer:v4294967296:AA==",
            "coffer:v1:not base64!",
            "vault:v1:AA==",
            "COFFER:v1:AA==",
            "coffer:v1:AA==\n",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(version in 1u32.., envelope in proptest::collection::vec(any::<u8>(), 0..256)) {
            prop_assert_eq!(parse(&format(version, &envelope)), Some((version, envelope)));
        }

        #[test]
        fn parsing_arbitrary_text_never_panics(text in ".{0,80}") {
            let _ = parse(&text);
        }
    }
}
