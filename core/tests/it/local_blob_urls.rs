//! The local server's presigned-URL routes over real HTTP: what S3 enforces on AWS (moto does not,
//! see `s3_presign.rs`), enforced locally: expiry by the clock, every signed part, the signed
//! content type, and the upload limit.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use coffer_core::blobs::{BlobError, Metadata, PresignRequest, PresignedMethod, PresignedUrl};
use coffer_core::http::{AppState, app, local_blob_urls};
use coffer_core::{Clock, ManualClock, Ports, Settings};
use tower::ServiceExt;

/// The embedded ports behind the local routes, served on a loopback port (the URLs point there)
/// and in-process.
struct Local {
    ports: Ports,
    router: Router,
    clock: Arc<ManualClock>,
    dir: tempfile::TempDir,
}

async fn local(upload_limit: u64) -> Local {
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut settings = Settings::embedded(dir.path());
    settings.datasets.public_url = format!("http://{}", listener.local_addr().unwrap());
    let clock = ManualClock::starting_now();
    let mut ports = Ports::embedded(&settings, clock.clone() as Arc<dyn Clock>).unwrap();
    let urls = ports.blob_urls.take().unwrap();
    ports.blob_urls = Some(Arc::new((*urls).clone().with_max_bytes(upload_limit)));
    let router = app(
        vec![local_blob_urls()],
        AppState::new(settings, ports.clone()),
    );
    let served = router.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            served.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    Local {
        ports,
        router,
        clock,
        dir,
    }
}

fn context() -> Metadata {
    [
        ("dataset".to_owned(), "dst_01".to_owned()),
        ("record".to_owned(), "rec_01".to_owned()),
    ]
    .into()
}

impl Local {
    async fn presign(&self, method: PresignedMethod, key: &str) -> PresignedUrl {
        self.ports
            .blobs
            .presign(&PresignRequest {
                method,
                key: key.to_owned(),
                expires_in: Duration::from_secs(300),
                encryption_context: context(),
                content_type: (method == PresignedMethod::Put).then(|| "application/pdf".into()),
            })
            .await
            .unwrap()
    }

    fn tmp_files(&self) -> usize {
        std::fs::read_dir(self.dir.path().join("blobs/tmp"))
            .unwrap()
            .count()
    }
}

/// Sends `body` to `url` with `headers`, as a client would.
async fn send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> reqwest::Response {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = reqwest::Client::new().request(method, url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(body).send().await.unwrap()
}

async fn send_as_signed(url: &PresignedUrl, body: Vec<u8>) -> reqwest::Response {
    let headers: Vec<(&str, &str)> = url
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    send(url.method, &url.url, &headers, body).await
}

async fn assert_forbidden(reply: reqwest::Response, what: &str) {
    assert_eq!(reply.status(), 403, "{what}");
    assert_eq!(
        reply.headers()["content-type"],
        "application/problem+json",
        "{what}"
    );
    let problem: serde_json::Value = reply.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/forbidden", "{what}");
}

/// `url` with the query parameter `name` set to `value`.
fn with_param(url: &str, name: &str, value: &str) -> String {
    let (base, query) = url.split_once('?').unwrap();
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| {
            let v = if k == name {
                value.to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{base}?{query}")
}

fn param(url: &str, name: &str) -> String {
    let query = url.split_once('?').unwrap().1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .unwrap()
        .1
        .into_owned()
}

#[tokio::test]
async fn an_expired_url_is_refused_with_a_403_problem() {
    let local = local(1024).await;
    let upload = local.presign(PresignedMethod::Put, "ds/a/payload").await;
    let download = local.presign(PresignedMethod::Get, "ds/a/payload").await;
    assert_eq!(send_as_signed(&upload, b"v1".to_vec()).await.status(), 200);
    assert_eq!(send_as_signed(&download, Vec::new()).await.status(), 200);

    local.clock.advance(time::Duration::seconds(300));
    assert_forbidden(send_as_signed(&upload, b"v2".to_vec()).await, "expired PUT").await;
    assert_forbidden(send_as_signed(&download, Vec::new()).await, "expired GET").await;
    let stored = local.ports.blobs.get("ds/a/payload").await.unwrap();
    assert_eq!(stored.bytes, b"v1", "the expired upload changed nothing");
}

#[tokio::test]
async fn an_altered_key_expiry_context_content_type_or_signature_is_refused() {
    let local = local(1024).await;
    let url = local.presign(PresignedMethod::Put, "ds/a/payload").await;
    let pdf = [("content-type", "application/pdf")];
    let later = (param(&url.url, "expires").parse::<i64>().unwrap() + 3600).to_string();
    let mut sig = param(&url.url, "sig");
    sig.replace_range(0..1, if sig.starts_with('A') { "B" } else { "A" });
    let other_ctx = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"dataset":"dst_02","record":"rec_01"}"#)
    };
    let altered = [
        ("key", url.url.replace("ds/a/payload", "ds/b/payload")),
        ("expiry", with_param(&url.url, "expires", &later)),
        ("signature", with_param(&url.url, "sig", &sig)),
        ("context", with_param(&url.url, "ctx", &other_ctx)),
        ("method", with_param(&url.url, "method", "GET")),
        (
            "no signature",
            url.url.split_once("&sig=").unwrap().0.to_owned(),
        ),
    ];
    for (what, changed) in &altered {
        assert_forbidden(send("PUT", changed, &pdf, b"x".to_vec()).await, what).await;
    }
    let csv = [("content-type", "text/csv")];
    let retyped = with_param(&url.url, "ct", "text/csv");
    assert_forbidden(send("PUT", &retyped, &csv, b"x".to_vec()).await, "ct").await;
    for key in ["ds/a/payload", "ds/b/payload"] {
        assert!(matches!(
            local.ports.blobs.head(key).await,
            Err(BlobError::NotFound)
        ));
    }
}

#[tokio::test]
async fn the_signed_content_type_must_be_sent_as_signed() {
    let local = local(1024).await;
    let url = local.presign(PresignedMethod::Put, "ds/a/payload").await;
    let plain = [("content-type", "text/plain")];
    assert_forbidden(
        send("PUT", &url.url, &plain, b"x".to_vec()).await,
        "other type",
    )
    .await;
    assert_forbidden(send("PUT", &url.url, &[], b"x".to_vec()).await, "no type").await;
    assert_eq!(send_as_signed(&url, b"x".to_vec()).await.status(), 200);
}

#[tokio::test]
async fn an_upload_url_does_not_download_and_a_download_url_does_not_upload() {
    let local = local(1024).await;
    let upload = local.presign(PresignedMethod::Put, "ds/a/payload").await;
    let download = local.presign(PresignedMethod::Get, "ds/a/payload").await;
    assert_eq!(send_as_signed(&upload, b"x".to_vec()).await.status(), 200);
    assert_forbidden(
        send("GET", &upload.url, &[], Vec::new()).await,
        "GET with PUT URL",
    )
    .await;
    let pdf = [("content-type", "application/pdf")];
    assert_forbidden(
        send("PUT", &download.url, &pdf, b"y".to_vec()).await,
        "PUT with GET URL",
    )
    .await;
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_with_413_and_leaves_nothing_behind() {
    let local = local(1000).await;
    let url = local.presign(PresignedMethod::Put, "ds/a/payload").await;
    let reply = send_as_signed(&url, vec![7; 1001]).await;
    assert_eq!(reply.status(), 413);
    assert_eq!(reply.headers()["content-type"], "application/problem+json");
    assert!(matches!(
        local.ports.blobs.head("ds/a/payload").await,
        Err(BlobError::NotFound)
    ));
    assert_eq!(send_as_signed(&url, vec![7; 1000]).await.status(), 200);
    assert_eq!(
        local.ports.blobs.head("ds/a/payload").await.unwrap().size,
        1000
    );

    // Without a length announced, the count while streaming stops it (in-process, since the
    // test's HTTP client sends a known length).
    let other = local.presign(PresignedMethod::Put, "ds/b/payload").await;
    let chunks =
        futures_util::stream::iter((0..3).map(|_| Ok::<_, std::io::Error>(vec![1u8; 400])));
    let path = other.url.split_once("/local-blobs/").unwrap().1;
    let request = Request::put(format!("/local-blobs/{path}"))
        .header("content-type", "application/pdf")
        .body(Body::from_stream(chunks))
        .unwrap();
    let reply = local.router.clone().oneshot(request).await.unwrap();
    assert_eq!(reply.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(matches!(
        local.ports.blobs.head("ds/b/payload").await,
        Err(BlobError::NotFound)
    ));
    assert_eq!(local.tmp_files(), 0, "the partial upload was removed");
}

#[tokio::test]
async fn an_upload_keeps_its_content_type_and_context_and_downloads_as_stored() {
    let local = local(1 << 20).await;
    let upload = local.presign(PresignedMethod::Put, "ds/a/payload").await;
    assert_eq!(
        send_as_signed(&upload, b"%PDF-1.7".to_vec()).await.status(),
        200
    );
    let info = local.ports.blobs.head("ds/a/payload").await.unwrap();
    assert_eq!(info.content_type, "application/pdf");
    assert_eq!(info.metadata, context());

    let download = local.presign(PresignedMethod::Get, "ds/a/payload").await;
    let reply = send_as_signed(&download, Vec::new()).await;
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.headers()["content-type"], "application/pdf");
    assert_eq!(reply.headers()["content-length"], "8");
    assert_eq!(reply.headers()["cache-control"], "private, no-store");
    assert_eq!(reply.bytes().await.unwrap().as_ref(), b"%PDF-1.7");
}

#[tokio::test]
async fn without_a_local_url_server_the_routes_are_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings::embedded(dir.path());
    let mut ports = Ports::embedded(&settings, ManualClock::starting_now()).unwrap();
    let url = ports
        .blobs
        .presign(&PresignRequest {
            method: PresignedMethod::Get,
            key: "ds/a/payload".into(),
            expires_in: Duration::from_secs(300),
            encryption_context: context(),
            content_type: None,
        })
        .await
        .unwrap();
    // As on AWS, where S3 serves presigned URLs and no Lambda does.
    ports.blob_urls = None;
    let router = app(vec![local_blob_urls()], AppState::new(settings, ports));
    let path = url.url.split_once("/local-blobs/").unwrap().1;
    for method in ["GET", "PUT"] {
        let request = Request::builder()
            .method(method)
            .uri(format!("/local-blobs/{path}"))
            .body(Body::empty())
            .unwrap();
        let reply = router.clone().oneshot(request).await.unwrap();
        assert_eq!(reply.status(), StatusCode::NOT_FOUND, "{method}");
    }
}
