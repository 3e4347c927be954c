use coffer_core::Settings;

use super::local_server::start_local_server;

#[tokio::test]
async fn the_local_server_answers_health_readiness_and_404_over_http() {
    let (base, _stop, _dir) = start_local_server().await;
    let client = reqwest::Client::new();

    let health = client
        .get(format!("{base}/v1/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert!(health.headers().contains_key("x-request-id"));
    assert_eq!(
        health.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!({"status": "ok"})
    );

    let ready = client
        .get(format!("{base}/v1/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);

    let missing = client
        .get(format!("{base}/v1/missing"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.headers()["content-type"],
        "application/problem+json"
    );
    let problem: serde_json::Value = missing.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/not-found");
    assert!(problem["request_id"].as_str().unwrap().starts_with("req_"));
}

#[tokio::test]
async fn the_local_server_documents_every_function_in_one_openapi_document() {
    let (base, _stop, _dir) = start_local_server().await;
    let doc: serde_json::Value = reqwest::get(format!("{base}/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/v1/health"].is_object());
}

#[tokio::test]
async fn the_local_server_serves_the_presigned_payload_urls_its_store_signs() {
    use coffer_core::blobs::{PresignRequest, PresignedMethod, PresignedUrl};

    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut settings = Settings::embedded(dir.path());
    settings.datasets.public_url = base.clone();
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(coffer_local::serve(settings.clone(), listener, async {
        let _ = stopped.await;
    }));
    // Another process on the same data folder (as a function would be) signs the URLs.
    let clock = std::sync::Arc::new(coffer_core::SystemClock);
    let ports = coffer_core::Ports::embedded(&settings, clock).unwrap();
    let presign = |method| PresignRequest {
        method,
        key: "ds/dst_1/rec_1/payload".into(),
        expires_in: std::time::Duration::from_secs(60),
        encryption_context: [("record".to_owned(), "rec_1".to_owned())].into(),
        content_type: (method == PresignedMethod::Put).then(|| "text/plain".to_owned()),
    };
    let request = |url: &PresignedUrl| {
        let method = reqwest::Method::from_bytes(url.method.as_bytes()).unwrap();
        let mut request = reqwest::Client::new().request(method, &url.url);
        for (name, value) in &url.headers {
            request = request.header(name, value);
        }
        request
    };

    let upload = ports
        .blobs
        .presign(&presign(PresignedMethod::Put))
        .await
        .unwrap();
    assert!(upload.url.starts_with(&format!("{base}/local-blobs/")));
    let put = request(&upload).body("hello").send().await.unwrap();
    assert_eq!(put.status(), 200);
    let download = ports
        .blobs
        .presign(&presign(PresignedMethod::Get))
        .await
        .unwrap();
    let got = request(&download).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.text().await.unwrap(), "hello");

    let tampered = upload.url.replace("rec_1/payload", "rec_2/payload");
    let refused = reqwest::Client::new()
        .put(tampered)
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
}
