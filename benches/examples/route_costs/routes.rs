//! The routes measured, the setup they need (made through the API, as a client would, on the
//! setup app: none of it is counted), and each route's request, made fresh for every call when
//! the route spends what it is given (a refresh token, an assertion, a session to end).

use std::error::Error;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use coffer_core::Clock as _;
use coffer_core::access::{Permission, Principal, Role};
use coffer_core::audit::RequestOrigin;
use coffer_core::crypto::random;
use coffer_core::http::{FunctionGroup, GroupService as _};
use coffer_core::ids::{OrgId, UserId};
use coffer_core::orgs::OrgsService;
use coffer_core::tokens::jws;
use coffer_testkit::tokens::TokenPair;
use coffer_testkit::{Reply, TestApp, User, random_ip, strong_password, unique_email};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::DecodePrivateKey as _;
use serde_json::{Value, json};

/// Members of the org whose member list is read: more than one page of 50.
const MEMBERS: usize = 60;

/// A Lambda function of `template.yaml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    Auth,
    Tokens,
    Orgs,
    Clients,
    Crypto,
    Datasets,
    Audit,
    Pii,
}

impl Function {
    pub const ALL: [Self; 8] = [
        Self::Auth,
        Self::Tokens,
        Self::Orgs,
        Self::Clients,
        Self::Crypto,
        Self::Datasets,
        Self::Audit,
        Self::Pii,
    ];

    pub fn group(self) -> FunctionGroup {
        match self {
            Self::Auth => coffer_function_auth::group(),
            Self::Tokens => coffer_function_tokens::group(),
            Self::Orgs => coffer_function_orgs::group(),
            Self::Clients => coffer_function_clients::group(),
            Self::Crypto => coffer_function_crypto::group(),
            Self::Datasets => coffer_function_datasets::group(),
            Self::Audit => coffer_function_audit::group(),
            Self::Pii => coffer_function_pii::group(),
        }
    }

    /// Its logical id in `template.yaml`.
    pub fn resource(self) -> &'static str {
        match self {
            Self::Auth => "AuthFunction",
            Self::Tokens => "TokensFunction",
            Self::Orgs => "OrgsFunction",
            Self::Clients => "ClientsFunction",
            Self::Crypto => "CryptoFunction",
            Self::Datasets => "DatasetsFunction",
            Self::Audit => "AuditFunction",
            Self::Pii => "PiiFunction",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::Tokens => "tokens",
            Self::Orgs => "orgs",
            Self::Clients => "clients",
            Self::Crypto => "crypto",
            Self::Datasets => "datasets",
            Self::Audit => "audit",
            Self::Pii => "pii",
        }
    }
}

/// A route measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Register,
    Login,
    MeSession,
    MeToken,
    Logout,
    IssueTokens,
    Refresh,
    ClientCredentials,
    ListOrgs,
    ListMembers,
    CreateVault,
    Encrypt,
    Decrypt,
    Detect,
    AnonymizeRedact,
    AnonymizeTokenize,
    RecordWrite,
    RecordRead,
    Search,
    AuditLogs,
    Revoke,
    Health,
    Ready,
}

impl Route {
    pub const ALL: [Self; 23] = [
        Self::Register,
        Self::Login,
        Self::MeSession,
        Self::MeToken,
        Self::Logout,
        Self::IssueTokens,
        Self::Refresh,
        Self::ClientCredentials,
        Self::ListOrgs,
        Self::ListMembers,
        Self::CreateVault,
        Self::Encrypt,
        Self::Decrypt,
        Self::Detect,
        Self::AnonymizeRedact,
        Self::AnonymizeTokenize,
        Self::RecordWrite,
        Self::RecordRead,
        Self::Search,
        Self::AuditLogs,
        // After the others: each call adds an entry to the revocation list the others'
        // first calls read.
        Self::Revoke,
        Self::Health,
        Self::Ready,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Register => "POST /v1/auth/register",
            Self::Login => "POST /v1/auth/login",
            Self::MeSession => "GET /v1/auth/me (session)",
            Self::MeToken => "GET /v1/auth/me (access token)",
            Self::Logout => "POST /v1/auth/logout",
            Self::IssueTokens => "POST /v1/tokens",
            Self::Refresh => "POST /v1/tokens/refresh",
            Self::ClientCredentials => "POST /v1/oauth/token (client_credentials)",
            Self::ListOrgs => "GET /v1/orgs",
            Self::ListMembers => "GET /v1/orgs/{org}/members (page of 50)",
            Self::CreateVault => "POST /v1/orgs/{org}/vaults",
            Self::Encrypt => "POST /v1/encrypt (1 KiB)",
            Self::Decrypt => "POST /v1/decrypt (1 KiB)",
            Self::Detect => "POST /v1/pii/detect",
            Self::AnonymizeRedact => "POST /v1/anonymize (redact)",
            Self::AnonymizeTokenize => "POST /v1/anonymize (tokenize, org key)",
            Self::RecordWrite => "POST /v1/datasets/{id}/records (1 record)",
            Self::RecordRead => "GET /v1/datasets/{id}/records/{rid}",
            Self::Search => "GET /v1/datasets/{id}/search",
            Self::AuditLogs => "GET /v1/audit/logs (page of 50)",
            Self::Revoke => "POST /v1/tokens/revoke (one token)",
            Self::Health => "GET /v1/health",
            Self::Ready => "GET /v1/health/ready",
        }
    }

    /// The function that serves it (health and readiness: every function; measured on `auth`).
    pub fn function(self) -> Function {
        match self {
            Self::Register
            | Self::Login
            | Self::MeSession
            | Self::MeToken
            | Self::Logout
            | Self::Health
            | Self::Ready => Function::Auth,
            Self::IssueTokens | Self::Refresh | Self::ClientCredentials | Self::Revoke => {
                Function::Tokens
            }
            Self::ListOrgs | Self::ListMembers | Self::CreateVault => Function::Orgs,
            Self::Encrypt | Self::Decrypt => Function::Crypto,
            Self::Detect | Self::AnonymizeRedact | Self::AnonymizeTokenize => Function::Pii,
            Self::RecordWrite | Self::RecordRead | Self::Search => Function::Datasets,
            Self::AuditLogs => Function::Audit,
        }
    }

    /// The status every call must answer.
    pub fn expected(self) -> u16 {
        match self {
            Self::Register | Self::IssueTokens | Self::CreateVault | Self::RecordWrite => 201,
            Self::Logout | Self::Revoke => 204,
            _ => 200,
        }
    }
}

/// One request to a process.
#[derive(Debug, Clone)]
pub enum Request {
    Get(String, Option<String>),
    Post(String, Value, Option<String>),
    /// `POST /v1/oauth/token` with these form fields.
    Form(Vec<(&'static str, String)>),
}

impl Request {
    /// Sends it to `app` from `app`'s client IP.
    pub async fn send(&self, app: &TestApp) -> Reply {
        match self {
            Self::Get(path, token) => app.get(path, token.as_deref()).await,
            Self::Post(path, body, token) => app.post(path, body.clone(), token.as_deref()).await,
            Self::Form(fields) => {
                let pairs: Vec<(&str, &str)> =
                    fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                app.oauth_token(&pairs).await
            }
        }
    }
}

/// A machine client with one certificate, as the clients routes made it.
struct Machine {
    client: String,
    kid: String,
    key: SigningKey,
}

/// Everything the routes need, made once on the setup app.
pub struct Fixture {
    pub app: TestApp,
    owner: User,
    access: String,
    refresh: String,
    /// The user who logs in and out.
    login_user: User,
    /// A session the last measured login opened, ended before the next login so the user
    /// never runs out of session places (a login then would also end the oldest session).
    open_session: Option<String>,
    org: String,
    machine: Machine,
    key: String,
    plaintext: String,
    ciphertext: String,
    dataset: String,
    record: String,
    next: usize,
}

/// A text with a few kinds of personal data (about 200 bytes).
const TEXT: &str = "Customer Jane Doe (jane.doe@example.com, +1 415 555 0100) paid with card \
                    4111 1111 1111 1111; her SSN is 123-45-6789 and she lives in Lyon.";

fn expect(reply: &Reply, status: u16, what: &str) -> Result<(), Box<dyn Error>> {
    if reply.code() == status {
        Ok(())
    } else {
        Err(format!("setup: {what} answered {}: {}", reply.code(), reply.body).into())
    }
}

impl Fixture {
    /// The users, orgs, tokens, client, key, dataset and records the routes use.
    pub async fn setup(app: TestApp) -> Result<Self, Box<dyn Error>> {
        let w = app.org_with_every_role().await;
        let owner = w.owner.clone();
        let org = app.create_org(&owner, "enterprise").await;
        app.add_member(&org, &owner, &w.admin, "admin").await;
        app.add_member(&org, &owner, &w.member, "member").await;
        fill(&app, &owner, &org).await?;
        let TokenPair { access, refresh } = app.token_pair(&owner, json!({})).await;
        let machine = machine(&app, &owner, &org).await?;

        let made = app
            .post(
                "/v1/keys",
                json!({"org_id": org, "name": "payments"}),
                Some(&access),
            )
            .await;
        expect(&made, 201, "POST /v1/keys")?;
        let key = made.text("/id");
        let bytes: Vec<u8> = (0..1024u32).map(|i| (i * 31 % 251) as u8).collect();
        let plaintext = STANDARD.encode(bytes);
        let sealed = app
            .post(
                "/v1/encrypt",
                json!({"key": key, "plaintext": plaintext}),
                Some(&access),
            )
            .await;
        expect(&sealed, 200, "POST /v1/encrypt")?;
        let ciphertext = sealed.text("/ciphertext");

        let mut spec = coffer_testkit::customer_dataset(100_000);
        spec["org_id"] = json!(org);
        spec["name"] = json!("customers");
        let made = app.post("/v1/datasets", spec, Some(&access)).await;
        expect(&made, 201, "POST /v1/datasets")?;
        let dataset = made.text("/id");
        let mut record = String::new();
        for n in 0..20 {
            let written = app
                .post(
                    &format!("/v1/datasets/{dataset}/records"),
                    json!({"data": coffer_testkit::customer(n)}),
                    Some(&access),
                )
                .await;
            expect(&written, 201, "POST /v1/datasets/{id}/records")?;
            if n == 7 {
                record = written.text("/id");
            }
        }
        let login_user = app.sign_up().await;
        Ok(Self {
            app,
            owner,
            access,
            refresh,
            login_user,
            open_session: None,
            org,
            machine,
            key,
            plaintext,
            ciphertext,
            dataset,
            record,
            next: 1_000,
        })
    }

    /// The request for the next call of `route` (preparing on the setup app what it spends).
    pub async fn prepare(&mut self, route: Route) -> Result<Request, Box<dyn Error>> {
        self.next += 1;
        let n = self.next;
        let access = Some(self.access.clone());
        Ok(match route {
            Route::Register => Request::Post(
                "/v1/auth/register".into(),
                json!({"email": unique_email(), "password": strong_password()}),
                None,
            ),
            Route::Login => {
                if let Some(session) = self.open_session.take() {
                    let out = self
                        .app
                        .post("/v1/auth/logout", json!({}), Some(&session))
                        .await;
                    expect(&out, 204, "POST /v1/auth/logout")?;
                }
                Request::Post(
                    "/v1/auth/login".into(),
                    json!({"email": self.login_user.email, "password": self.login_user.password,
                           "client": "cli"}),
                    None,
                )
            }
            Route::MeSession => Request::Get("/v1/auth/me".into(), Some(self.owner.token.clone())),
            Route::MeToken => Request::Get("/v1/auth/me".into(), access),
            Route::Logout => {
                self.app.ip = random_ip();
                let login = self
                    .app
                    .post(
                        "/v1/auth/login",
                        json!({"email": self.login_user.email,
                               "password": self.login_user.password, "client": "cli"}),
                        None,
                    )
                    .await;
                expect(&login, 200, "POST /v1/auth/login")?;
                Request::Post(
                    "/v1/auth/logout".into(),
                    json!({}),
                    Some(login.text("/session_token")),
                )
            }
            Route::IssueTokens => Request::Post(
                "/v1/tokens".into(),
                json!({}),
                Some(self.owner.token.clone()),
            ),
            Route::Refresh => Request::Post(
                "/v1/tokens/refresh".into(),
                json!({"refresh_token": self.refresh}),
                None,
            ),
            Route::ClientCredentials => Request::Form(vec![
                ("grant_type", "client_credentials".into()),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
                ),
                ("client_assertion", self.assertion()?),
            ]),
            Route::ListOrgs => Request::Get("/v1/orgs".into(), access),
            Route::ListMembers => Request::Get(format!("/v1/orgs/{}/members", self.org), access),
            Route::CreateVault => Request::Post(
                format!("/v1/orgs/{}/vaults", self.org),
                json!({"name": format!("vault {n}")}),
                access,
            ),
            Route::Encrypt => Request::Post(
                "/v1/encrypt".into(),
                json!({"key": self.key, "plaintext": self.plaintext}),
                access,
            ),
            Route::Decrypt => Request::Post(
                "/v1/decrypt".into(),
                json!({"key": self.key, "ciphertext": self.ciphertext}),
                access,
            ),
            Route::Detect => Request::Post("/v1/pii/detect".into(), json!({"text": TEXT}), access),
            Route::AnonymizeRedact => Request::Post(
                "/v1/anonymize".into(),
                json!({"text": TEXT, "operators": {"default": {"type": "redact"}}}),
                access,
            ),
            Route::AnonymizeTokenize => Request::Post(
                "/v1/anonymize".into(),
                json!({"text": TEXT, "org_id": self.org,
                       "operators": {"default": {"type": "tokenize"}}}),
                access,
            ),
            Route::RecordWrite => Request::Post(
                format!("/v1/datasets/{}/records", self.dataset),
                json!({"data": coffer_testkit::customer(n)}),
                access,
            ),
            Route::RecordRead => Request::Get(
                format!("/v1/datasets/{}/records/{}", self.dataset, self.record),
                access,
            ),
            Route::Search => Request::Get(
                format!(
                    "/v1/datasets/{}/search?field=email&value=customer7%40example.com",
                    self.dataset
                ),
                access,
            ),
            Route::AuditLogs => Request::Get(format!("/v1/audit/logs?org_id={}", self.org), access),
            Route::Revoke => {
                let pair = self.app.token_pair(&self.owner, json!({})).await;
                Request::Post(
                    "/v1/tokens/revoke".into(),
                    json!({"token": pair.access}),
                    Some(self.owner.token.clone()),
                )
            }
            Route::Health => Request::Get("/v1/health".into(), None),
            Route::Ready => Request::Get("/v1/health/ready".into(), None),
        })
    }

    /// Keeps what a reply hands out for the next call (a new refresh token, a session).
    pub fn absorb(&mut self, route: Route, reply: &Reply) {
        match route {
            Route::Refresh => self.refresh = reply.text("/refresh_token"),
            Route::Login => self.open_session = Some(reply.text("/session_token")),
            _ => {}
        }
    }

    /// A fresh `private_key_jwt` assertion of the machine client (RFC 7523).
    fn assertion(&self) -> Result<String, Box<dyn Error>> {
        let now = self.app.clock.now().unix_timestamp();
        let claims = json!({
            "iss": self.machine.client,
            "sub": self.machine.client,
            "aud": self.app.state.settings.tokens.token_endpoint(),
            "iat": now,
            "exp": now + 120,
            "jti": random::token()?,
        });
        Ok(jws::sign(
            &self.machine.key,
            &self.machine.kid,
            "JWT",
            &claims,
        )?)
    }
}

/// Fills `org` to [`MEMBERS`] members through the orgs service (users that exist only as ids:
/// listing members reads membership items, not profiles).
async fn fill(app: &TestApp, owner: &User, org: &str) -> Result<(), Box<dyn Error>> {
    let orgs = OrgsService::build(&app.state)
        .await
        .map_err(|e| format!("{e:?}"))?;
    let owner = UserId::parse(&owner.id).ok_or("owner id")?;
    let org = OrgId::parse(org).ok_or("org id")?;
    let origin = RequestOrigin::default();
    let at = orgs
        .access()
        .require(&Principal::User(owner), &org, Permission::MembersManage)
        .await?;
    for _ in 3..MEMBERS {
        let user = UserId::generate(time::OffsetDateTime::now_utc())?;
        orgs.add_user(&at, &user, Role::Member, &origin).await?;
    }
    Ok(())
}

/// A machine client of `org` with one certificate, by its owner.
async fn machine(app: &TestApp, owner: &User, org: &str) -> Result<Machine, Box<dyn Error>> {
    let client = app
        .post(
            &format!("/v1/orgs/{org}/clients"),
            json!({"name": "billing-sync", "scopes": ["org:read", "vaults:read"]}),
            Some(&owner.token),
        )
        .await;
    expect(&client, 201, "POST /v1/orgs/{org}/clients")?;
    let client = client.text("/id");
    let certificate = app
        .post(
            &format!("/v1/orgs/{org}/clients/{client}/certificates"),
            json!({}),
            Some(&owner.token),
        )
        .await;
    expect(&certificate, 201, "POST .../certificates")?;
    let pem = certificate.text("/private_key_pem");
    let key = SigningKey::from_pkcs8_pem(pem.trim())
        .map_err(|e| format!("the certificate's private key: {e}"))?;
    Ok(Machine {
        client,
        kid: certificate.text("/kid"),
        key,
    })
}
