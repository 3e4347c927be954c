//! Walking JSON records: every string (and integer) leaf with its path and the key that holds it,
//! within the depth and size bounds.

use serde_json::Value;

use super::names::Names;
use super::scan::Hit;
use crate::{MAX_DEPTH, MAX_INPUT_BYTES, PiiError};

/// One leaf of a record.
pub(crate) struct Leaf<'a> {
    /// Path like `customer.emails[1]` (empty for a bare string record).
    pub path: &'a str,
    /// The nearest object key above the leaf (for `emails[1]`, `emails`).
    pub key: Option<&'a str>,
    /// The string, or an integer's decimal form.
    pub text: &'a str,
}

/// Calls `f` for every string and integer leaf of `v`, in document order.
pub(crate) fn walk(v: &Value, f: &mut dyn FnMut(Leaf<'_>)) -> Result<(), PiiError> {
    let mut path = String::new();
    let mut budget = MAX_INPUT_BYTES;
    walk_at(v, &mut path, None, 0, &mut budget, f)
}

fn walk_at(
    v: &Value,
    path: &mut String,
    key: Option<&str>,
    depth: usize,
    budget: &mut usize,
    f: &mut dyn FnMut(Leaf<'_>),
) -> Result<(), PiiError> {
    if depth > MAX_DEPTH {
        return Err(PiiError::TooDeep { max: MAX_DEPTH });
    }
    match v {
        Value::String(s) => {
            spend(budget, s.len())?;
            f(Leaf { path, key, text: s });
        }
        Value::Number(n) if n.is_i64() || n.is_u64() => {
            let s = n.to_string();
            spend(budget, s.len())?;
            f(Leaf {
                path,
                key,
                text: &s,
            });
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                push_index(path, i);
                walk_at(item, path, key, depth + 1, budget, f)?;
                path.truncate(len);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                spend(budget, k.len())?;
                let len = path.len();
                push_key(path, k);
                walk_at(item, path, Some(k), depth + 1, budget, f)?;
                path.truncate(len);
            }
        }
        _ => {}
    }
    Ok(())
}

/// Counts bytes against the record's budget.
pub(crate) fn spend(budget: &mut usize, n: usize) -> Result<(), PiiError> {
    *budget = budget.checked_sub(n).ok_or(PiiError::InputTooLarge {
        len: MAX_INPUT_BYTES + 1,
        max: MAX_INPUT_BYTES,
    })?;
    Ok(())
}

/// Appends `.key` (or `key` at the root); keys that are not plain identifiers are quoted:
/// `["first name"]`.
pub(crate) fn push_key(path: &mut String, key: &str) {
    let plain = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && !key.as_bytes()[0].is_ascii_digit();
    if plain {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    } else {
        path.push('[');
        path.push_str(&serde_json::Value::from(key).to_string());
        path.push(']');
    }
}

/// Appends `[i]`.
pub(crate) fn push_index(path: &mut String, i: usize) {
    use std::fmt::Write;
    let _ = write!(path, "[{i}]");
}

/// A whole field value that its key names as a person (`{"first_name": "Ann"}`): one to four
/// name-shaped words, known to the name lists, with nothing else in the string.
pub(crate) fn whole_value_hit(names: &Names, text: &str, kinds: u32) -> Option<Hit> {
    super::recognizers::person::whole_value(names, text, kinds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_and_keys() {
        let v =
            json!({"customer": {"emails": ["a@x.io", "b@x.io"], "first name": "Ann", "age": 7}});
        let mut seen = Vec::new();
        walk(&v, &mut |l| {
            seen.push((
                l.path.to_owned(),
                l.key.map(str::to_owned),
                l.text.to_owned(),
            ))
        })
        .unwrap();
        assert!(seen.contains(&(
            "customer.emails[1]".into(),
            Some("emails".into()),
            "b@x.io".into()
        )));
        assert!(seen.contains(&(
            "customer[\"first name\"]".into(),
            Some("first name".into()),
            "Ann".into()
        )));
        assert!(seen.contains(&("customer.age".into(), Some("age".into()), "7".into())));
    }

    #[test]
    fn depth_is_bounded() {
        let mut v = json!("x");
        for _ in 0..=MAX_DEPTH {
            v = json!([v]);
        }
        assert_eq!(
            walk(&v, &mut |_| {}),
            Err(PiiError::TooDeep { max: MAX_DEPTH })
        );
    }

    #[test]
    fn size_is_bounded() {
        let big = "a".repeat(MAX_INPUT_BYTES / 2 + 1);
        let v = json!({"a": big.clone(), "b": big});
        assert!(matches!(
            walk(&v, &mut |_| {}),
            Err(PiiError::InputTooLarge { .. })
        ));
    }
}
