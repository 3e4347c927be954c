//! Backends for the suites: embedded in a temporary folder, or AWS on the emulator that the
//! README's test command starts (`COFFER_TEST_AWS_ENDPOINT`).

use std::collections::HashMap;
use std::sync::Arc;

use coffer_core::blobs::{Blobs, fs::FsBlobs, s3::S3Blobs};
use coffer_core::keys::{KeyRing, kms::KmsKeyRing, local::LocalKeyRing};
use coffer_core::store::{Table, dynamo::DynamoTable, sqlite::SqliteTable};
use coffer_core::{Clock, ManualClock, Settings};

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
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::starting_now();
    Backends {
        table: Arc::new(
            SqliteTable::open(
                dir.path().join("table.sqlite3"),
                clock.clone() as Arc<dyn Clock>,
            )
            .unwrap(),
        ),
        blobs: Arc::new(FsBlobs::open(dir.path().join("blobs")).unwrap()),
        keys: Arc::new(LocalKeyRing::open(dir.path().join("master.key")).unwrap()),
        clock,
        ns: namespace(),
        _dir: Some(dir),
    }
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
        blobs: Arc::new(S3Blobs::new(&config, settings.bucket.clone())),
        keys: Arc::new(KmsKeyRing::new(
            &config,
            settings.kms_key_id.clone().unwrap_or_default(),
        )),
        clock,
        ns: namespace(),
        _dir: None,
    }
}
