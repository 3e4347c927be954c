//! The product, set up once per process for the targets that need stored state: embedded ports
//! (SQLite, a folder, a local master key) in a temporary folder, a stopped clock, the access-token
//! issuer, and an org with one machine client and its certificate. Built on first use and shared
//! by every execution, as a Lambda instance shares its state between requests.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use coffer_core::clients::{Certificate, Client, ClientsService};
use coffer_core::http::AppState;
use coffer_core::ids::{CertificateId, ClientId, OrgId, UserId};
use coffer_core::orgs::{Name, Org, Tier};
use coffer_core::store::Condition;
use coffer_core::tokens::{AccessTokenRequest, Scopes};
use coffer_core::{ManualClock, Ports, Settings};
use ed25519_dalek::SigningKey;
use time::OffsetDateTime;

/// The stopped clock's time: tokens and assertions made at it stay valid for the whole run.
pub const NOW: i64 = 1_780_000_000;

/// The certificate's private key: fixed, so seeds are reproducible.
const CLIENT_KEY: [u8; 32] = [42; 32];

/// The shared state (see the module doc).
pub struct Fixture {
    pub runtime: tokio::runtime::Runtime,
    pub state: AppState,
    pub clients: ClientsService,
    pub client: ClientId,
    pub certificate: CertificateId,
    pub client_key: SigningKey,
    /// Access tokens this process issued: the only strings `verify` may accept.
    pub issued_tokens: Vec<String>,
}

/// The process's data folder, `<temp>/coffer-fuzz/<pid>`. The fixture lives until the process
/// exits, so nothing would delete a temporary folder: instead each process first removes the
/// folders of processes that are gone.
fn data_dir() -> std::io::Result<PathBuf> {
    let base = std::env::temp_dir().join("coffer-fuzz");
    if Path::new("/proc/self").exists()
        && let Ok(entries) = std::fs::read_dir(&base)
    {
        for entry in entries.flatten() {
            let name = entry.file_name();
            let gone = name
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
                .is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists());
            if gone {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    let dir = base.join(std::process::id().to_string());
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(Fixture::build);

impl Fixture {
    pub fn get() -> &'static Fixture {
        &FIXTURE
    }

    /// Runs a future to completion on the fixture's (single-threaded) runtime.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    #[expect(
        clippy::expect_used,
        reason = "a fuzz harness that cannot set up cannot run"
    )]
    fn build() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let dir = data_dir().expect("a data folder");
        let now = OffsetDateTime::from_unix_timestamp(NOW).expect("a valid time");
        let clock = ManualClock::new(now);
        let settings = Settings::embedded(dir);
        let ports = Ports::embedded(&settings, clock.clone()).expect("embedded ports");
        let state = AppState::new(settings, ports);
        let clients = ClientsService::new(
            state.ports.table.clone(),
            clock,
            state.access_tokens.clone(),
            &state.settings.tokens,
        );

        let org = Org {
            id: OrgId::generate(now).expect("an org id"),
            name: Name::parse("Fuzz Org").expect("a name"),
            tier: Tier::Free,
            created_at: now,
            updated_at: now,
            deleted_at: None,
            version: 1,
        };
        let client = Client {
            id: ClientId::generate(now).expect("a client id"),
            org_id: org.id.clone(),
            name: Name::parse("fuzz client").expect("a name"),
            scopes: Client::scope_ceiling(),
            created_at: now,
            created_by: "usr_fuzz".to_owned(),
        };
        let client_key = SigningKey::from_bytes(&CLIENT_KEY);
        let certificate = Certificate {
            id: CertificateId::generate(now).expect("a certificate id"),
            client_id: client.id.clone(),
            org_id: org.id.clone(),
            public_key: client_key.verifying_key().to_bytes(),
            created_at: now,
            created_by: "usr_fuzz".to_owned(),
        };
        let table = state.ports.table.clone();
        let issued_tokens = runtime.block_on(async {
            for item in [org.to_item(), client.to_item(), certificate.to_item()] {
                table
                    .put(item, Condition::MustNotExist)
                    .await
                    .expect("seed items written");
            }
            let mut issued = Vec::new();
            let user = UserId::generate(now).expect("a user id");
            for (subject, with_client) in [(user.as_str(), false), (client.id.as_str(), true)] {
                let request = AccessTokenRequest {
                    subject: subject.to_owned(),
                    scopes: Scopes::all(),
                    ttl: std::time::Duration::from_secs(3600),
                    org: Some(org.id.clone()),
                    vault: None,
                    client: with_client.then(|| (client.id.clone(), certificate.id.clone())),
                };
                let token = state
                    .access_tokens
                    .issue(&request)
                    .await
                    .expect("a token issued");
                issued.push(token.token);
            }
            issued
        });
        Self {
            runtime,
            state,
            clients,
            client: client.id,
            certificate: certificate.id,
            client_key,
            issued_tokens,
        }
    }
}
