use coffer_core::blobs::{Blob, BlobError, Metadata};

use crate::fixtures::Backends;

super::conformance!(blobs:
    put_then_get_and_head_return_what_was_stored,
    a_missing_blob_is_not_found_and_deleting_it_is_fine,
    put_replaces_and_delete_removes,
    list_pages_through_a_prefix_in_key_order,
    unsafe_keys_and_metadata_are_refused,
    five_mebibyte_payloads_round_trip,
);

fn key(b: &Backends, name: &str) -> String {
    format!("{}/{name}", b.ns)
}

fn blob(bytes: &[u8]) -> Blob {
    let metadata: Metadata = [
        ("record".to_owned(), "rec_01".to_owned()),
        ("v".to_owned(), "2".to_owned()),
    ]
    .into();
    Blob {
        bytes: bytes.to_vec(),
        content_type: "application/octet-stream".into(),
        metadata,
    }
}

async fn put_then_get_and_head_return_what_was_stored(b: Backends) {
    let k = key(&b, "ds/rec/payload");
    let stored = blob(&[0, 159, 146, 150, 255, 10, 13]);
    b.blobs.put(&k, stored.clone()).await.unwrap();
    assert_eq!(b.blobs.get(&k).await.unwrap(), stored);
    let info = b.blobs.head(&k).await.unwrap();
    assert_eq!(info.key, k);
    assert_eq!(info.size, 7);
    assert_eq!(info.content_type, stored.content_type);
    assert_eq!(info.metadata, stored.metadata);
    let age = time::OffsetDateTime::now_utc() - info.last_modified;
    assert!(
        age.whole_minutes().abs() < 5,
        "last_modified is about now: {age}"
    );
}

async fn a_missing_blob_is_not_found_and_deleting_it_is_fine(b: Backends) {
    let k = key(&b, "nothing");
    assert!(matches!(b.blobs.get(&k).await, Err(BlobError::NotFound)));
    assert!(matches!(b.blobs.head(&k).await, Err(BlobError::NotFound)));
    b.blobs.delete(&k).await.unwrap();
}

async fn put_replaces_and_delete_removes(b: Backends) {
    let k = key(&b, "doc");
    b.blobs.put(&k, blob(b"one")).await.unwrap();
    let mut second = blob(b"two!");
    second.content_type = "text/plain".into();
    second.metadata.clear();
    b.blobs.put(&k, second.clone()).await.unwrap();
    assert_eq!(b.blobs.get(&k).await.unwrap(), second);
    b.blobs.delete(&k).await.unwrap();
    assert!(matches!(b.blobs.get(&k).await, Err(BlobError::NotFound)));
}

async fn list_pages_through_a_prefix_in_key_order(b: Backends) {
    for name in [
        "p/c", "p/a", "p/b/1", "p/b/2", "p/d", "p/e", "p/f", "q/a", "pp",
    ] {
        b.blobs
            .put(&key(&b, name), blob(name.as_bytes()))
            .await
            .unwrap();
    }
    let prefix = key(&b, "p/");
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = b.blobs.list(&prefix, 3, cursor.as_deref()).await.unwrap();
        pages += 1;
        seen.extend(
            page.items
                .iter()
                .map(|e| e.key.trim_start_matches(&prefix).to_owned()),
        );
        for entry in &page.items {
            assert!(entry.size > 0);
        }
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen, ["a", "b/1", "b/2", "c", "d", "e", "f"]);
    assert_eq!(pages, 3);
    assert!(matches!(
        b.blobs.list(&prefix, 0, None).await,
        Err(BlobError::InvalidCursor)
    ));
}

async fn unsafe_keys_and_metadata_are_refused(b: Backends) {
    for bad in ["../escape", "/abs", "a//b", "sp ace"] {
        assert!(
            matches!(
                b.blobs.put(bad, blob(b"x")).await,
                Err(BlobError::InvalidKey(_))
            ),
            "{bad}"
        );
    }
    let mut bad_meta = blob(b"x");
    bad_meta.metadata.insert("Upper Case".into(), "v".into());
    assert!(matches!(
        b.blobs.put(&key(&b, "m"), bad_meta).await,
        Err(BlobError::InvalidMetadata)
    ));
}

async fn five_mebibyte_payloads_round_trip(b: Backends) {
    let k = key(&b, "big");
    let bytes: Vec<u8> = (0..5 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    b.blobs.put(&k, blob(&bytes)).await.unwrap();
    assert_eq!(b.blobs.get(&k).await.unwrap().bytes, bytes);
    assert_eq!(b.blobs.head(&k).await.unwrap().size, bytes.len() as u64);
}
