//! A role's view of a decrypted value: in clear, masked, or left out.

use serde_json::Value;

/// Most characters a mask leaves visible.
const MASK_KEEP_MOST: usize = 4;

/// A masked value: a string keeps its last characters (a quarter of it, at most four), the rest
/// become `*`; any other value is `"****"`.
pub fn mask(value: &Value) -> Value {
    match value {
        Value::String(s) => {
            let count = s.chars().count();
            let keep = (count / 4).min(MASK_KEEP_MOST);
            let masked: String = s
                .chars()
                .enumerate()
                .map(|(i, c)| if i < count - keep { '*' } else { c })
                .collect();
            Value::String(masked)
        }
        _ => Value::String("****".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_mask_shows_at_most_a_quarter_and_at_most_four_characters() {
        assert_eq!(mask(&json!("4111111111111111")), json!("************1111"));
        assert_eq!(mask(&json!("abc")), json!("***"));
        assert_eq!(mask(&json!("Schäfer!")), json!("******r!"));
        assert_eq!(mask(&json!("")), json!(""));
        assert_eq!(mask(&json!(123456789)), json!("****"));
    }
}
