//! Backends for the suites: embedded in a temporary folder (with the local server's presigned-URL
//! routes on a loopback port), or AWS on the emulator that the README's test command starts
//! (`COFFER_TEST_AWS_ENDPOINT`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use coffer_core::blobs::{
    BlobUrlSigner, Blobs, LocalBlobUrls, MAX_PRESIGNED_BYTES, fs::FsBlobs, s3::S3Blobs,
};
use coffer_core::http::{AppState, FunctionGroup, app, local_blob_urls};
use coffer_core::keys::{KeyRing, kms::KmsKeyRing, local::LocalKeyRing};
use coffer_core::store::{Table, dynamo::DynamoTable, sqlite::SqliteTable};
use coffer_core::{Clock, ManualClock, Ports, Settings};

/// One backend family under test, with a clock the test controls and a namespace that keeps its
/// keys apart from other tests sharing the emulator.
pub struct Backends {
    pub table: Arc<dyn Table>,
    pub blobs: Arc<dyn Blobs>,
    pub keys: Arc<dyn KeyRing>,
    pub clock: Arc<ManualClock>,
    pub ns: String,
    _dir: Option<tempfile::TempDir>,
}

impl Backends {
    /// A key of this test's namespace.
    pub fn k(&self, name: &str) -> String {
        format!("{}#{name}", self.ns)
    }
}

fn namespace() -> String {
    format!("t{}", ulid::Ulid::new()).to_lowercase()
}

pub async fn embedded() -> Backends {
    embedded_with_upload_limit(MAX_PRESIGNED_BYTES).await
}

/// The embedded backends, with the local server's presigned-URL routes served on a loopback port
/// (the URLs the folder store signs point there) and uploads through them bounded by `limit`.
pub async fn embedded_with_upload_limit(limit: u64) -> Backends {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::starting_now();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut settings = Settings::embedded(dir.path());
    settings.datasets.public_url = format!("http://{}", listener.local_addr().unwrap());
    let signer = Arc::new(
        BlobUrlSigner::open(
            dir.path().join("blob-url.key"),
            settings.datasets.public_url.clone(),
            clock.clone() as Arc<dyn Clock>,
        )
        .unwrap(),
    );
    let folder = FsBlobs::open(dir.path().join("blobs"))
        .unwrap()
        .with_signer(Arc::clone(&signer));
    let table: Arc<dyn Table> = Arc::new(
        SqliteTable::open(
            dir.path().join("table.sqlite3"),
            clock.clone() as Arc<dyn Clock>,
        )
        .unwrap(),
    );
    let blobs: Arc<dyn Blobs> = Arc::new(folder.clone());
    let keys: Arc<dyn KeyRing> =
        Arc::new(LocalKeyRing::open(dir.path().join("master.key")).unwrap());
    let mut ports = Ports::assemble(
        &settings,
        Arc::clone(&table),
        Arc::clone(&blobs),
        Arc::clone(&keys),
        clock.clone() as Arc<dyn Clock>,
    );
    ports.blob_urls = Some(Arc::new(
        LocalBlobUrls::new(signer, folder).with_max_bytes(limit),
    ));
    serve(
        listener,
        vec![local_blob_urls()],
        AppState::new(settings, ports),
    );
    Backends {
        table,
        blobs,
        keys,
        clock,
        ns: namespace(),
        _dir: Some(dir),
    }
}

/// Serves `groups` on `listener` until the test's runtime ends.
pub fn serve(listener: tokio::net::TcpListener, groups: Vec<FunctionGroup>, state: AppState) {
    let router = app(groups, state);
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
}

/// Settings for the emulator that the test command started.
pub fn aws_settings() -> Settings {
    let endpoint = std::env::var("COFFER_TEST_AWS_ENDPOINT").expect(
        "COFFER_TEST_AWS_ENDPOINT is not set: the AWS conformance suites run against moto; \
         use the README's test command (./infra/test.sh), which starts it",
    );
    let vars: HashMap<String, String> = [
        ("COFFER_BACKEND", "aws"),
        ("COFFER_AWS_ENDPOINT", endpoint.as_str()),
        ("COFFER_AWS_REGION", "us-east-1"),
        ("COFFER_TABLE", "coffer-test"),
        ("COFFER_BUCKET", "coffer-test"),
        ("COFFER_KMS_KEY_ID", "alias/coffer-test"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    Settings::from_vars(vars).unwrap()
}

pub async fn aws() -> Backends {
    let settings = aws_settings();
    coffer_core::aws::bootstrap(&settings)
        .await
        .expect("bootstrap the emulator");
    let config = coffer_core::aws::sdk_config(&settings).await;
    let clock = ManualClock::starting_now();
    Backends {
        table: Arc::new(DynamoTable::new(
            &config,
            settings.table.clone(),
            clock.clone() as Arc<dyn Clock>,
        )),
        blobs: Arc::new(S3Blobs::new(
            &config,
            settings.bucket.clone(),
            settings.kms_key_id.clone().unwrap_or_default(),
        )),
        keys: Arc::new(KmsKeyRing::new(
            &config,
            settings.kms_key_id.clone().unwrap_or_default(),
        )),
        clock,
        ns: namespace(),
        _dir: None,
    }
}
