//! Page cursors: the store's (`Cursor`, every list route's `?cursor=`), a dataset's
//! (`DatasetCursor`, bound to its dataset and list), and the `?limit=&cursor=` query itself.
//!
//! Anything a client sends decodes or is refused, never panics; what decodes re-encodes to a
//! cursor that decodes to the same value; a dataset cursor decodes only for its own dataset and
//! list; and any keys made into a cursor come back out of it.

use std::sync::LazyLock;

use axum::extract::FromRequestParts;
use axum::http::{Request, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use coffer_core::datasets::cursor::DatasetCursor;
use coffer_core::http::Pagination;
use coffer_core::ids::DatasetId;
use coffer_core::store::{Cursor, Item, Key};

use crate::fixture::Fixture;
use crate::text;

const RECORDS: &str = "records";
const SEARCH: &str = "search:email";

static DATASETS: LazyLock<(DatasetId, DatasetId)> = LazyLock::new(|| {
    let now = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
    match (DatasetId::generate(now), DatasetId::generate(now)) {
        (Ok(a), Ok(b)) => (a, b),
        _ => panic!("dataset ids"),
    }
});

fn store_cursor(pk: &str, sk: &str, gsi1: Option<(&str, &str)>) -> Cursor {
    let mut item = Item::new(Key::new(pk, sk));
    if let Some((gpk, gsk)) = gsi1 {
        item = item.with_gsi1(gpk, gsk);
    }
    Cursor::after(&item)
}

pub fn seeds() -> Vec<Vec<u8>> {
    let (dataset, _) = &*DATASETS;
    let inner = store_cursor("pk-1", "sk-01", Some(("gsi-pk", "gsi-sk")));
    let seeds = vec![
        inner.encode(),
        store_cursor("P", "S", None).encode(),
        DatasetCursor::new(dataset, RECORDS, None, &inner).encode(),
        DatasetCursor::new(dataset, SEARCH, Some(3), &inner).encode(),
        DatasetCursor::at_version(dataset, SEARCH, 2).encode(),
        format!("limit=10&cursor={}", inner.encode()),
        "limit=0&cursor=%00%ff".to_owned(),
        "\0pk\0sk\0gpk\0gsk".to_owned(),
        // Found by the long run: half an index key decoded (now refused by `Cursor::decode`).
        URL_SAFE_NO_PAD.encode(r#"{"pk":"p","sk":"s","gsi1pk":"g","gSi1sk":"x"}"#),
    ];
    seeds.into_iter().map(String::into_bytes).collect()
}

/// The cursor target (see the module doc).
pub fn cursor(data: &[u8]) {
    if let Some(keys) = data.strip_prefix(b"\0") {
        return keys_round_trip(keys);
    }
    let Some(raw) = text(data) else { return };
    if let Ok(cursor) = Cursor::decode(raw) {
        assert_eq!(Cursor::decode(&cursor.encode()).ok(), Some(cursor.clone()));
        assert_eq!(Cursor::after(&cursor_item(&cursor)), cursor);
    }
    dataset_cursors(raw);
    pagination(raw);
}

/// The item a cursor points after (to check `after` and the key accessors agree).
fn cursor_item(cursor: &Cursor) -> Item {
    let key = cursor.key();
    let item = Item::new(key);
    match cursor.gsi1_key() {
        Some(gsi1) => item.with_gsi1(gsi1.pk, gsi1.sk),
        None => item,
    }
}

fn dataset_cursors(raw: &str) {
    let (dataset, other) = &*DATASETS;
    for list in [RECORDS, SEARCH] {
        let Ok((version, inner)) = DatasetCursor::decode(raw, dataset, list) else {
            continue;
        };
        assert!(
            DatasetCursor::decode(raw, other, list).is_err(),
            "decoded for another dataset"
        );
        let again = match &inner {
            Some(inner) => DatasetCursor::new(dataset, list, version, inner),
            None => DatasetCursor::at_version(dataset, list, version.unwrap_or_default()),
        };
        let decoded = DatasetCursor::decode(&again.encode(), dataset, list).ok();
        assert_eq!(decoded, Some((version, inner)));
    }
}

fn pagination(raw: &str) {
    let Ok(request) = Request::builder().uri(format!("/v1/x?{raw}")).body(()) else {
        return;
    };
    let (mut parts, ()) = request.into_parts();
    let fixture = Fixture::get();
    match fixture.block_on(Pagination::from_request_parts(&mut parts, &())) {
        Ok(page) => assert!((1..=Pagination::MAX_LIMIT).contains(&page.limit)),
        Err(e) => assert_eq!(e.status(), StatusCode::UNPROCESSABLE_ENTITY, "{e:?}"),
    }
}

/// Keys separated by NUL bytes → a cursor → its encoding → the same keys.
fn keys_round_trip(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\0');
    let (pk, sk) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let gsi1 = parts.next().zip(parts.next());
    let cursor = store_cursor(pk, sk, gsi1);
    let decoded = Cursor::decode(&cursor.encode());
    if cursor.encode().len() > 8192 {
        return assert!(decoded.is_err());
    }
    let decoded = decoded.unwrap_or_else(|e| panic!("a cursor made here does not decode: {e}"));
    assert_eq!(decoded.key(), Key::new(pk, sk));
    assert_eq!(
        decoded.gsi1_key(),
        gsi1.map(|(gpk, gsk)| Key::new(gpk, gsk))
    );
}
