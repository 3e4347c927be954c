use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::{Item, Key, StoreError};

/// Where a page stopped: the keys of its last item. Opaque to clients (base64url of JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pk: String,
    sk: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    gsi1pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    gsi1sk: Option<String>,
}

impl Cursor {
    /// The cursor after `item`.
    pub fn after(item: &Item) -> Self {
        Self {
            pk: item.key.pk.clone(),
            sk: item.key.sk.clone(),
            gsi1pk: item.gsi1.as_ref().map(|k| k.pk.clone()),
            gsi1sk: item.gsi1.as_ref().map(|k| k.sk.clone()),
        }
    }

    pub fn key(&self) -> Key {
        Key::new(self.pk.clone(), self.sk.clone())
    }

    pub fn gsi1_key(&self) -> Option<Key> {
        Some(Key::new(self.gsi1pk.clone()?, self.gsi1sk.clone()?))
    }

    /// The opaque string a client carries to the next request.
    pub fn encode(&self) -> String {
        // Serializing a struct of strings cannot fail.
        let json = serde_json::to_vec(self).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    /// Reads a client's cursor; anything this store did not hand out is `InvalidCursor`.
    pub fn decode(raw: &str) -> Result<Self, StoreError> {
        if raw.len() > 8192 {
            return Err(StoreError::InvalidCursor);
        }
        let json = URL_SAFE_NO_PAD
            .decode(raw)
            .map_err(|_| StoreError::InvalidCursor)?;
        let cursor: Self = serde_json::from_slice(&json).map_err(|_| StoreError::InvalidCursor)?;
        // `after` writes both index keys or neither: half of one (found by fuzzing) is not ours.
        if cursor.gsi1pk.is_some() != cursor.gsi1sk.is_some() {
            return Err(StoreError::InvalidCursor);
        }
        Ok(cursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_cursor_with_half_an_index_key_is_invalid() {
        for json in [
            r#"{"pk":"p","sk":"s","gsi1pk":"g"}"#,
            r#"{"pk":"p","sk":"s","gsi1sk":"g"}"#,
        ] {
            let raw = URL_SAFE_NO_PAD.encode(json);
            assert!(matches!(
                Cursor::decode(&raw),
                Err(StoreError::InvalidCursor)
            ));
        }
    }

    proptest! {
        #[test]
        fn cursors_round_trip(pk in ".{1,40}", sk in ".{1,40}", g in proptest::option::of((".{1,20}", ".{1,20}"))) {
            let mut item = Item::new(Key::new(pk, sk));
            if let Some((gpk, gsk)) = g { item = item.with_gsi1(gpk, gsk); }
            let cursor = Cursor::after(&item);
            prop_assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
        }

        #[test]
        fn garbage_is_an_invalid_cursor_not_a_panic(raw in ".{0,200}") {
            let _ = Cursor::decode(&raw);
        }
    }
}
