use std::time::Duration;

use coffer_core::blobs::{
    Blob, BlobError, Metadata, PresignRequest, PresignedMethod, PresignedUrl,
};

use crate::fixtures::Backends;

super::conformance!(blobs:
    put_then_get_and_head_return_what_was_stored,
    a_missing_blob_is_not_found_and_deleting_it_is_fine,
    put_replaces_and_delete_removes,
    list_pages_through_a_prefix_in_key_order,
    unsafe_keys_and_metadata_are_refused,
    five_mebibyte_payloads_round_trip,
    a_presigned_put_then_get_round_trips_over_http_with_the_context_kept,
    a_presigned_get_of_a_missing_object_is_not_found,
    presign_requests_neither_backend_can_sign_are_refused,
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

fn context(b: &Backends) -> Metadata {
    [
        ("dataset".to_owned(), format!("dst_{}", b.ns)),
        ("record".to_owned(), "rec_01".to_owned()),
    ]
    .into()
}

fn presign_request(b: &Backends, method: PresignedMethod, k: &str) -> PresignRequest {
    PresignRequest {
        method,
        key: k.to_owned(),
        expires_in: Duration::from_secs(300),
        encryption_context: context(b),
        content_type: (method == PresignedMethod::Put).then(|| "application/pdf".to_owned()),
    }
}

/// Sends `body` to a presigned URL as its user would: the method and exactly the headers given.
async fn send(url: &PresignedUrl, body: Vec<u8>) -> reqwest::Response {
    let method = reqwest::Method::from_bytes(url.method.as_bytes()).unwrap();
    let mut request = reqwest::Client::new().request(method, &url.url);
    for (name, value) in &url.headers {
        request = request.header(name, value);
    }
    request.body(body).send().await.unwrap()
}

async fn a_presigned_put_then_get_round_trips_over_http_with_the_context_kept(b: Backends) {
    let k = key(&b, "ds/rec/payload");
    // Several mebibytes: the local server streams them in many chunks.
    let bytes: Vec<u8> = (0..3 * 1024 * 1024 + 17u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let before = time::OffsetDateTime::now_utc();
    let upload = b
        .blobs
        .presign(&presign_request(&b, PresignedMethod::Put, &k))
        .await
        .unwrap();
    assert_eq!(upload.method, "PUT");
    assert_eq!(upload.headers["content-type"], "application/pdf");
    let lifetime = upload.expires_at - before;
    assert!(
        (time::Duration::seconds(295)..=time::Duration::seconds(305)).contains(&lifetime),
        "expires in about 300 s: {lifetime}"
    );
    let put = send(&upload, bytes.clone()).await;
    assert!(put.status().is_success(), "{}", put.text().await.unwrap());

    let info = b.blobs.head(&k).await.unwrap();
    assert_eq!(info.size, bytes.len() as u64);
    assert_eq!(info.content_type, "application/pdf");
    assert_eq!(info.metadata, context(&b), "the object keeps its context");

    let download = b
        .blobs
        .presign(&presign_request(&b, PresignedMethod::Get, &k))
        .await
        .unwrap();
    assert_eq!(download.method, "GET");
    let got = send(&download, Vec::new()).await;
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "application/pdf");
    assert_eq!(got.bytes().await.unwrap().as_ref(), bytes.as_slice());
}

async fn a_presigned_get_of_a_missing_object_is_not_found(b: Backends) {
    let k = key(&b, "never-uploaded");
    let download = b
        .blobs
        .presign(&presign_request(&b, PresignedMethod::Get, &k))
        .await
        .unwrap();
    assert_eq!(send(&download, Vec::new()).await.status(), 404);
}

async fn presign_requests_neither_backend_can_sign_are_refused(b: Backends) {
    let k = key(&b, "x");
    let mut bad_key = presign_request(&b, PresignedMethod::Put, "../escape");
    assert!(matches!(
        b.blobs.presign(&bad_key).await,
        Err(BlobError::InvalidKey(_))
    ));
    bad_key.key = k.clone();
    bad_key
        .encryption_context
        .insert("Not A Word".into(), "v".into());
    assert!(matches!(
        b.blobs.presign(&bad_key).await,
        Err(BlobError::InvalidMetadata)
    ));
    for expires_in in [Duration::ZERO, Duration::from_secs(8 * 24 * 3600)] {
        let mut request = presign_request(&b, PresignedMethod::Put, &k);
        request.expires_in = expires_in;
        assert!(
            matches!(
                b.blobs.presign(&request).await,
                Err(BlobError::InvalidPresign(_))
            ),
            "{expires_in:?}"
        );
    }
    let mut typed_get = presign_request(&b, PresignedMethod::Get, &k);
    typed_get.content_type = Some("text/plain".into());
    assert!(matches!(
        b.blobs.presign(&typed_get).await,
        Err(BlobError::InvalidPresign(_))
    ));
}
