//! What S3's presigned uploads ask of their users, on moto. moto checks neither the signature,
//! nor the expiry, nor that the signed headers are sent, and drops the encryption context; so
//! these tests check what the URL signs (which real S3 enforces) and what moto does keep: the
//! SSE-KMS setting, the key and the metadata. Expiry and tampering are tested on the local
//! backend, which enforces them (`local_blob_urls.rs`).

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_s3::types::ServerSideEncryption;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use coffer_core::Settings;
use coffer_core::blobs::{
    Blobs, Metadata, PresignRequest, PresignedMethod, PresignedUrl, s3::S3Blobs,
};

struct OnMoto {
    settings: Settings,
    config: aws_config::SdkConfig,
    blobs: S3Blobs,
}

async fn on_moto() -> OnMoto {
    let settings = crate::fixtures::aws_settings();
    coffer_core::aws::bootstrap(&settings)
        .await
        .expect("bootstrap the emulator");
    let config = coffer_core::aws::sdk_config(&settings).await;
    let blobs = S3Blobs::new(
        &config,
        settings.bucket.clone(),
        settings.kms_key_id.clone().unwrap(),
    );
    OnMoto {
        settings,
        config,
        blobs,
    }
}

fn unique_key(name: &str) -> String {
    format!("t{}/{name}", ulid::Ulid::new()).to_lowercase()
}

fn context() -> Metadata {
    [
        ("dataset".to_owned(), "dst_01".to_owned()),
        ("record".to_owned(), "rec_01".to_owned()),
    ]
    .into()
}

/// The names in the URL's `X-Amz-SignedHeaders`: what S3 refuses the request without.
fn signed_headers(url: &PresignedUrl) -> Vec<String> {
    let query = url.url.split_once('?').unwrap().1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "X-Amz-SignedHeaders")
        .map(|(_, value)| value.split(';').map(str::to_owned).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_presigned_upload_signs_sse_kms_under_the_deployments_key_with_the_context() {
    let moto = on_moto().await;
    let key = unique_key("payload");
    let url = moto
        .blobs
        .presign(&PresignRequest {
            method: PresignedMethod::Put,
            key: key.clone(),
            expires_in: Duration::from_secs(60),
            encryption_context: context(),
            content_type: Some("text/csv".into()),
        })
        .await
        .unwrap();
    let kms_key = moto.settings.kms_key_id.clone().unwrap();
    assert_eq!(url.headers["x-amz-server-side-encryption"], "aws:kms");
    assert_eq!(
        url.headers["x-amz-server-side-encryption-aws-kms-key-id"],
        kms_key
    );
    let encoded = &url.headers["x-amz-server-side-encryption-context"];
    let decoded: BTreeMap<String, String> =
        serde_json::from_slice(&STANDARD.decode(encoded).unwrap()).unwrap();
    assert_eq!(decoded, context(), "the context is base64 of its JSON");
    assert_eq!(url.headers["content-type"], "text/csv");
    let signed = signed_headers(&url);
    for header in url.headers.keys() {
        assert!(signed.contains(header), "{header} is signed: {signed:?}");
    }

    let mut request = reqwest::Client::new().put(&url.url);
    for (name, value) in &url.headers {
        request = request.header(name, value);
    }
    let reply = request.body("a,b\n1,2\n").send().await.unwrap();
    assert!(reply.status().is_success(), "{}", reply.status());

    // What moto keeps of it (the context it drops; real S3 keeps it with the data key).
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&moto.config)
            .force_path_style(true)
            .build(),
    );
    let head = s3
        .head_object()
        .bucket(&moto.settings.bucket)
        .key(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(
        head.server_side_encryption(),
        Some(&ServerSideEncryption::AwsKms)
    );
    assert_eq!(head.ssekms_key_id(), Some(kms_key.as_str()));
    let info = moto.blobs.head(&key).await.unwrap();
    assert_eq!(info.metadata, context());
    assert_eq!(info.content_type, "text/csv");
}

#[tokio::test]
async fn a_presigned_download_needs_no_headers_and_an_empty_context_signs_none() {
    let moto = on_moto().await;
    let key = unique_key("payload");
    let download = moto
        .blobs
        .presign(&PresignRequest {
            method: PresignedMethod::Get,
            key: key.clone(),
            expires_in: Duration::from_secs(60),
            encryption_context: Metadata::new(),
            content_type: None,
        })
        .await
        .unwrap();
    assert_eq!(download.method, "GET");
    assert!(download.headers.is_empty(), "{:?}", download.headers);
    assert!(download.url.contains(&key));

    let upload = moto
        .blobs
        .presign(&PresignRequest {
            method: PresignedMethod::Put,
            key,
            expires_in: Duration::from_secs(60),
            encryption_context: Metadata::new(),
            content_type: None,
        })
        .await
        .unwrap();
    assert!(
        !upload
            .headers
            .contains_key("x-amz-server-side-encryption-context")
    );
    assert!(!upload.headers.contains_key("content-type"));
    assert_eq!(upload.headers["x-amz-server-side-encryption"], "aws:kms");
}
