//! Configuration, read once from `COFFER_*` environment variables and validated at start.

use ipnet::IpNet;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// Which family of backends the ports use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite file, a blob folder and a local master key under `data_dir`.
    Embedded,
    /// DynamoDB, S3 and KMS (or an emulator of them at `aws_endpoint`).
    Aws,
}

/// Everything Coffer reads from its environment, typed and checked.
#[derive(Debug, Clone)]
pub struct Settings {
    pub backend: Backend,
    /// Embedded backends keep their files here.
    pub data_dir: PathBuf,
    /// The local all-in-one server listens here.
    pub listen: SocketAddr,
    pub table: String,
    pub bucket: String,
    pub kms_key_id: Option<String>,
    /// An AWS emulator's URL (moto), for local use and tests. `None` means real AWS.
    pub aws_endpoint: Option<String>,
    /// Region when the environment names none (an emulator accepts any).
    pub aws_region: Option<String>,
    /// Largest JSON body a route accepts, in bytes.
    pub max_body_bytes: usize,
    /// Largest JSON body the crypto routes accept (batches of up to 1000 items), in bytes.
    /// Lambda caps a request at 6 MB, so more cannot arrive there.
    pub crypto_max_body_bytes: usize,
    /// Largest JSON body the PII routes accept, in bytes (`COFFER_PII_MAX_BODY_BYTES`, default
    /// 16 MiB, at most 64 MiB): a text to scan may be far larger than the engine's 1 MiB pass
    /// (it is scanned window by window), so this is what bounds it. Lambda caps a request at
    /// 6 MB, so more cannot arrive there.
    pub pii_max_body_bytes: usize,
    /// How long a plaintext data key may stay in memory.
    pub data_key_max_age: Duration,
    /// How many times a cached plaintext data key may be used.
    pub data_key_max_uses: u64,
    /// Logs as JSON lines (on Lambda) or readable text (locally).
    pub log_json: bool,
    /// Reverse proxies whose `X-Forwarded-For` is believed (`COFFER_TRUSTED_PROXIES`, a
    /// comma-separated list of IP addresses or CIDR ranges such as `10.0.0.0/8`). Empty (the
    /// default): the client IP is the socket's peer locally and API Gateway's `sourceIp` on
    /// Lambda, never a header the client controls.
    pub trusted_proxies: Vec<IpNet>,
    /// Identity: password hashing, sessions, rate limits, single-use tokens and email.
    pub auth: AuthSettings,
    /// Tenancy: how many orgs a user may belong to, how long invitations wait.
    pub orgs: OrgSettings,
    /// Access and refresh tokens, signing keys, revocation.
    pub tokens: TokenSettings,
    /// The data vault: body and payload limits, retention, presigned URLs, idempotency.
    pub datasets: DatasetSettings,
    /// How many days audit events are kept (`COFFER_AUDIT_RETENTION_DAYS`, default 365).
    pub audit_retention_days: u32,
    /// Metrics, slow-request warnings and the local server's overload bound.
    pub operations: OperationSettings,
}

/// How the service reports on itself and protects itself under load.
#[derive(Debug, Clone)]
pub struct OperationSettings {
    /// Whether `coffer-local` serves Prometheus text on `GET /metrics` (`COFFER_METRICS_ENDPOINT`,
    /// `on` or `off`, default `off`: it names routes and counts, which an operator opts into).
    pub metrics_endpoint: bool,
    /// A request slower than this logs a warning (`COFFER_SLOW_REQUEST_MS`, default 1000).
    pub slow_request: Duration,
    /// Requests `coffer-local` serves at once before it answers 503 with `retry-after`
    /// (`COFFER_MAX_IN_FLIGHT`, default 1024; Lambda serves one per instance and API Gateway
    /// throttles in front of it, so only the local server uses this).
    pub max_in_flight: usize,
    /// Browser origins allowed to call the API cross-origin (`COFFER_CORS_ALLOWED_ORIGINS`, a
    /// comma-separated list of `https://host[:port]`; default none, so no CORS headers at all).
    /// Exact origins only, never `*`: the API hands out credentials.
    pub cors_allowed_origins: Vec<String>,
}

/// Tokens' settings (`functions/tokens`, `functions/clients` and the caller extractor).
#[derive(Debug, Clone)]
pub struct TokenSettings {
    /// `iss` of access tokens and the base of the token endpoint's URL (`COFFER_ISSUER`, default
    /// `http://localhost:8080`): the public URL the API is reached at, without a trailing `/`.
    pub issuer: String,
    /// `aud` of access tokens, and the audience verification requires (`COFFER_TOKEN_AUDIENCE`,
    /// default `coffer`).
    pub audience: String,
    /// Access-token lifetime when the request names none (`COFFER_ACCESS_TOKEN_TTL_SECONDS`,
    /// default 3600; requests may ask for 60 to 86400).
    pub access_ttl: Duration,
    /// Refresh-token lifetime (`COFFER_REFRESH_TOKEN_TTL_SECONDS`, default 90 days).
    pub refresh_ttl: Duration,
    /// How long after a refresh the token just spent may be presented once more and still get a
    /// new pair (a client that lost the reply) (`COFFER_REFRESH_GRACE_SECONDS`, default 0, at
    /// most 60).
    pub refresh_grace: Duration,
    /// How stale a process's copy of the revocation list may be (`COFFER_REVOCATION_BOUND_SECONDS`,
    /// default 30). 0 reads the table on every verification.
    pub revocation_bound: Duration,
    /// How long a signing key signs before the next replaces it
    /// (`COFFER_SIGNING_KEY_ROTATION_SECONDS`, default 30 days).
    pub signing_key_rotation: Duration,
    /// How long a new signing key is published in the JWKS before it signs
    /// (`COFFER_SIGNING_KEY_LEAD_SECONDS`, default 3600): longer than the JWKS's cache lifetime
    /// and the processes' key reload interval.
    pub signing_key_lead: Duration,
    /// Clock skew allowed when checking `exp`, `nbf` and `iat` (`COFFER_TOKEN_LEEWAY_SECONDS`,
    /// default 30).
    pub leeway: Duration,
}

impl TokenSettings {
    /// The shortest and longest access-token lifetime a request may ask for.
    pub const ACCESS_TTL_RANGE: std::ops::RangeInclusive<u64> = 60..=86_400;

    fn from_vars<'a>(get: &impl Fn(&str) -> Option<&'a str>) -> Result<Self, SettingsError> {
        const DAY: u64 = 86_400;
        let secs = |name: &'static str, default: u64, range: std::ops::RangeInclusive<u64>| {
            number(get, name, default, range).map(Duration::from_secs)
        };
        let issuer_raw = get("COFFER_ISSUER").unwrap_or("http://localhost:8080");
        let issuer = issuer_raw.trim_end_matches('/').to_owned();
        if !(issuer.starts_with("https://") || issuer.starts_with("http://"))
            || issuer.len() > 512
            || issuer.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(invalid(
                "COFFER_ISSUER",
                issuer_raw,
                "expected an http(s) URL such as https://api.example.com",
            ));
        }
        let audience = get("COFFER_TOKEN_AUDIENCE").unwrap_or("coffer").to_owned();
        if audience.is_empty() || audience.len() > 256 {
            return Err(invalid(
                "COFFER_TOKEN_AUDIENCE",
                &audience,
                "expected 1 to 256 characters",
            ));
        }
        Ok(Self {
            issuer,
            audience,
            access_ttl: secs(
                "COFFER_ACCESS_TOKEN_TTL_SECONDS",
                3600,
                Self::ACCESS_TTL_RANGE,
            )?,
            refresh_ttl: secs("COFFER_REFRESH_TOKEN_TTL_SECONDS", 90 * DAY, 60..=365 * DAY)?,
            refresh_grace: secs("COFFER_REFRESH_GRACE_SECONDS", 0, 0..=60)?,
            revocation_bound: secs("COFFER_REVOCATION_BOUND_SECONDS", 30, 0..=3600)?,
            signing_key_rotation: secs(
                "COFFER_SIGNING_KEY_ROTATION_SECONDS",
                30 * DAY,
                3600..=365 * DAY,
            )?,
            signing_key_lead: secs("COFFER_SIGNING_KEY_LEAD_SECONDS", 3600, 0..=7 * DAY)?,
            leeway: secs("COFFER_TOKEN_LEEWAY_SECONDS", 30, 0..=300)?,
        })
    }

    /// The OAuth token endpoint's URL: what client assertions name as `aud`.
    pub fn token_endpoint(&self) -> String {
        format!("{}/v1/oauth/token", self.issuer)
    }
}

/// The data vault's settings (`functions/datasets`).
#[derive(Debug, Clone)]
pub struct DatasetSettings {
    /// Largest JSON body of the dataset routes (batches of up to 1000 records)
    /// (`COFFER_DATASETS_MAX_BODY_BYTES`, default 6000000: Lambda caps a request at 6 MB).
    pub max_body_bytes: usize,
    /// How long a soft-deleted dataset waits before cleanup purges it
    /// (`COFFER_DATASET_RETENTION_DAYS`, default 30).
    pub retention: Duration,
    /// How long a presigned payload URL works (`COFFER_PRESIGN_TTL_SECONDS`, default 300).
    pub presign_ttl: Duration,
    /// The base URL clients reach the local stack at, for the presigned URLs it signs itself
    /// (`COFFER_PUBLIC_URL`, default `http://<COFFER_LISTEN>`). Unused on AWS, where S3 signs.
    pub public_url: String,
    /// How long an `idempotency-key` is remembered (`COFFER_IDEMPOTENCY_TTL_SECONDS`, default
    /// 86400).
    pub idempotency_ttl: Duration,
}

impl DatasetSettings {
    fn from_vars<'a>(
        get: &impl Fn(&str) -> Option<&'a str>,
        listen: SocketAddr,
    ) -> Result<Self, SettingsError> {
        const DAY: u64 = 86_400;
        let public_url = match get("COFFER_PUBLIC_URL") {
            None => format!("http://{listen}"),
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                url.trim_end_matches('/').to_owned()
            }
            Some(other) => {
                return Err(invalid(
                    "COFFER_PUBLIC_URL",
                    other,
                    "expected an http(s):// URL",
                ));
            }
        };
        Ok(Self {
            max_body_bytes: number(
                get,
                "COFFER_DATASETS_MAX_BODY_BYTES",
                6_000_000,
                1..=16 * 1_048_576,
            )?,
            retention: number(get, "COFFER_DATASET_RETENTION_DAYS", 30, 0..=3650)
                .map(|days| Duration::from_secs(days * DAY))?,
            presign_ttl: number(get, "COFFER_PRESIGN_TTL_SECONDS", 300, 1..=3600)
                .map(Duration::from_secs)?,
            public_url,
            idempotency_ttl: number(get, "COFFER_IDEMPOTENCY_TTL_SECONDS", DAY, 60..=7 * DAY)
                .map(Duration::from_secs)?,
        })
    }
}

/// Tenancy's settings (`functions/orgs`).
#[derive(Debug, Clone)]
pub struct OrgSettings {
    /// Orgs one user may belong to (`COFFER_MAX_ORGS_PER_USER`, default 100000).
    pub max_orgs_per_user: u32,
    /// How long an invitation waits for its address to register and verify
    /// (`COFFER_INVITATION_TTL_SECONDS`, default 7 days).
    pub invitation_ttl: Duration,
}

impl OrgSettings {
    fn from_vars<'a>(get: &impl Fn(&str) -> Option<&'a str>) -> Result<Self, SettingsError> {
        const DAY: u64 = 86_400;
        Ok(Self {
            max_orgs_per_user: number(get, "COFFER_MAX_ORGS_PER_USER", 100_000, 1..=10_000_000)?,
            invitation_ttl: number(get, "COFFER_INVITATION_TTL_SECONDS", 7 * DAY, 60..=90 * DAY)
                .map(Duration::from_secs)?,
        })
    }
}

/// Identity's settings (`functions/auth` and the caller extractor).
///
/// The Argon2id defaults are OWASP's minimum (m=19456 KiB, t=2, p=1). To raise them, set
/// `COFFER_ARGON2_MEMORY_KIB` / `COFFER_ARGON2_ITERATIONS` / `COFFER_ARGON2_PARALLELISM` (e.g.
/// 47104 KiB with t=1, or 65536 KiB with t=3) and give the `auth` Lambda the memory and CPU
/// for them (its `MemorySize` in `template.yaml`); existing hashes are upgraded at each user's
/// next successful login, so no migration is needed.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// Argon2id memory cost in KiB (`COFFER_ARGON2_MEMORY_KIB`, default 19456).
    pub argon2_memory_kib: u32,
    /// Argon2id passes (`COFFER_ARGON2_ITERATIONS`, default 2).
    pub argon2_iterations: u32,
    /// Argon2id lanes (`COFFER_ARGON2_PARALLELISM`, default 1).
    pub argon2_parallelism: u32,
    /// Shortest password accepted, in characters (`COFFER_PASSWORD_MIN_LENGTH`, default 12).
    pub password_min_length: usize,
    /// Lifetime of a `web` session (`COFFER_SESSION_WEB_TTL_SECONDS`, default 30 days).
    pub web_session_ttl: Duration,
    /// Lifetime of a `cli` session (`COFFER_SESSION_CLI_TTL_SECONDS`, default 90 days).
    pub cli_session_ttl: Duration,
    /// Live sessions a user may hold; the oldest goes first (`COFFER_MAX_SESSIONS_PER_USER`, 10).
    pub max_sessions_per_user: usize,
    /// Login attempts per client IP per hour (`COFFER_LOGIN_LIMIT_PER_IP_HOUR`, default 100).
    pub login_per_ip_per_hour: u32,
    /// Failed logins per account per hour before a lockout
    /// (`COFFER_LOGIN_FAILURE_LIMIT_PER_ACCOUNT_HOUR`, default 10).
    pub login_failures_per_account_per_hour: u32,
    /// The first lockout's length; each further lockout within a day doubles it
    /// (`COFFER_LOGIN_LOCKOUT_SECONDS`, default 900).
    pub lockout_base: Duration,
    /// The longest lockout (`COFFER_LOGIN_LOCKOUT_MAX_SECONDS`, default 86400).
    pub lockout_max: Duration,
    /// Registrations per client IP per day (`COFFER_REGISTER_LIMIT_PER_IP_DAY`, default 5).
    pub register_per_ip_per_day: u32,
    /// Reset requests per client IP per hour, 429 beyond (`COFFER_RESET_LIMIT_PER_IP_HOUR`, 20).
    pub reset_per_ip_per_hour: u32,
    /// Reset mails to one address per hour; further requests answer 202 and send nothing
    /// (`COFFER_RESET_LIMIT_PER_ACCOUNT_HOUR`, default 5).
    pub reset_per_account_per_hour: u32,
    /// Verification requests per client IP per hour (`COFFER_VERIFY_LIMIT_PER_IP_HOUR`, 20).
    pub verify_per_ip_per_hour: u32,
    /// Verification mails one user may ask for per hour (`COFFER_VERIFY_LIMIT_PER_ACCOUNT_HOUR`,
    /// default 5).
    pub verify_per_account_per_hour: u32,
    /// Lifetime of an email-verification token (`COFFER_EMAIL_VERIFY_TOKEN_TTL_SECONDS`, 24 h).
    pub verify_token_ttl: Duration,
    /// Lifetime of a password-reset token (`COFFER_PASSWORD_RESET_TOKEN_TTL_SECONDS`, 1 h).
    pub reset_token_ttl: Duration,
    /// Verified SES sender of verification and reset emails (`COFFER_SES_FROM_ADDRESS`). Unset:
    /// messages stay in the table outbox only. Used only with `COFFER_BACKEND=aws`.
    pub ses_from_address: Option<String>,
}

/// A bad or missing setting; names the variable so start-up can say what to fix.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{name}={value:?} is not valid: {reason}")]
    Invalid {
        name: &'static str,
        value: String,
        reason: String,
    },
    #[error("{name} must be set when {when}")]
    Missing {
        name: &'static str,
        when: &'static str,
    },
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_vars(std::env::vars().collect())
    }

    /// Reads settings from a map of variables (the environment, or a test's).
    pub fn from_vars(vars: HashMap<String, String>) -> Result<Self, SettingsError> {
        let get = |name: &str| vars.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());

        let backend = match get("COFFER_BACKEND").unwrap_or("embedded") {
            "embedded" => Backend::Embedded,
            "aws" => Backend::Aws,
            other => return Err(invalid("COFFER_BACKEND", other, "use `embedded` or `aws`")),
        };
        let listen_raw = get("COFFER_LISTEN").unwrap_or("127.0.0.1:8080");
        let listen = listen_raw.parse().map_err(|_| {
            invalid(
                "COFFER_LISTEN",
                listen_raw,
                "expected host:port, e.g. 127.0.0.1:8080",
            )
        })?;
        let aws_endpoint = match get("COFFER_AWS_ENDPOINT") {
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                Some(url.to_owned())
            }
            Some(url) => {
                return Err(invalid(
                    "COFFER_AWS_ENDPOINT",
                    url,
                    "expected an http(s):// URL",
                ));
            }
            None => None,
        };
        let kms_key_id = get("COFFER_KMS_KEY_ID").map(str::to_owned);
        if backend == Backend::Aws && kms_key_id.is_none() {
            return Err(SettingsError::Missing {
                name: "COFFER_KMS_KEY_ID",
                when: "COFFER_BACKEND=aws",
            });
        }
        let name_rule = |name: &'static str, default: &str| -> Result<String, SettingsError> {
            let value = get(name).unwrap_or(default);
            let ok = (3..=255).contains(&value.len())
                && value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
            if ok {
                Ok(value.to_owned())
            } else {
                Err(invalid(
                    name,
                    value,
                    "3-255 characters of a-z, 0-9, '-', '_' or '.'",
                ))
            }
        };

        Ok(Self {
            backend,
            data_dir: PathBuf::from(get("COFFER_DATA_DIR").unwrap_or("./.coffer")),
            listen,
            table: name_rule("COFFER_TABLE", "coffer")?,
            bucket: name_rule("COFFER_BUCKET", "coffer")?,
            kms_key_id,
            aws_endpoint,
            aws_region: get("COFFER_AWS_REGION").map(str::to_owned),
            max_body_bytes: number(&get, "COFFER_MAX_BODY_BYTES", 1_048_576, 1..=16 * 1_048_576)?,
            crypto_max_body_bytes: number(
                &get,
                "COFFER_CRYPTO_MAX_BODY_BYTES",
                6_000_000,
                1..=16 * 1_048_576,
            )?,
            // The body is held twice while it is parsed (bytes, then the text): 64 MiB keeps a
            // request well inside a 512 MB function.
            pii_max_body_bytes: number(
                &get,
                "COFFER_PII_MAX_BODY_BYTES",
                16 * 1_048_576,
                1..=64 * 1_048_576,
            )?,
            data_key_max_age: Duration::from_secs(number(
                &get,
                "COFFER_DATA_KEY_MAX_AGE_SECONDS",
                300,
                1..=86_400,
            )?),
            data_key_max_uses: number(&get, "COFFER_DATA_KEY_MAX_USES", 100_000, 1..=u64::MAX)?,
            log_json: match get("COFFER_LOG_FORMAT") {
                Some("json") => true,
                Some("text") => false,
                Some(other) => {
                    return Err(invalid("COFFER_LOG_FORMAT", other, "use `json` or `text`"));
                }
                None => vars.contains_key("AWS_LAMBDA_FUNCTION_NAME"),
            },
            trusted_proxies: match get("COFFER_TRUSTED_PROXIES") {
                None => Vec::new(),
                Some(raw) => raw
                    .split(',')
                    .map(str::trim)
                    .filter(|part| !part.is_empty())
                    .map(|part| {
                        part.parse::<IpNet>()
                            .or_else(|_| part.parse::<IpAddr>().map(IpNet::from))
                    })
                    .collect::<Result<_, _>>()
                    .map_err(|_| {
                        invalid(
                            "COFFER_TRUSTED_PROXIES",
                            raw,
                            "expected comma-separated IP addresses or CIDR ranges",
                        )
                    })?,
            },
            auth: AuthSettings::from_vars(&get)?,
            orgs: OrgSettings::from_vars(&get)?,
            tokens: TokenSettings::from_vars(&get)?,
            datasets: DatasetSettings::from_vars(&get, listen)?,
            audit_retention_days: number(
                &get,
                "COFFER_AUDIT_RETENTION_DAYS",
                crate::audit::retention::DEFAULT_DAYS,
                1..=3650,
            )?,
            operations: OperationSettings {
                metrics_endpoint: match get("COFFER_METRICS_ENDPOINT") {
                    None | Some("off") => false,
                    Some("on") => true,
                    Some(other) => {
                        return Err(invalid(
                            "COFFER_METRICS_ENDPOINT",
                            other,
                            "use `on` or `off`",
                        ));
                    }
                },
                slow_request: Duration::from_millis(number(
                    &get,
                    "COFFER_SLOW_REQUEST_MS",
                    1000,
                    1..=900_000,
                )?),
                max_in_flight: number(&get, "COFFER_MAX_IN_FLIGHT", 1024, 1..=1_000_000)?,
                cors_allowed_origins: cors_origins(get("COFFER_CORS_ALLOWED_ORIGINS"))?,
            },
        })
    }

    /// Settings for tests: embedded backends under `data_dir`, everything else default.
    pub fn embedded(data_dir: impl Into<PathBuf>) -> Self {
        let mut vars = HashMap::new();
        vars.insert(
            "COFFER_DATA_DIR".to_owned(),
            data_dir.into().display().to_string(),
        );
        // The defaults are all valid, so this cannot fail; fall back to a literal just in case.
        Self::from_vars(vars).unwrap_or_else(|_| unreachable!("default settings are valid"))
    }
}

impl AuthSettings {
    fn from_vars<'a>(get: &impl Fn(&str) -> Option<&'a str>) -> Result<Self, SettingsError> {
        const DAY: u64 = 86_400;
        let secs = |name: &'static str, default: u64, range: std::ops::RangeInclusive<u64>| {
            number(get, name, default, range).map(Duration::from_secs)
        };
        let argon2_parallelism = number(get, "COFFER_ARGON2_PARALLELISM", 1, 1..=16)?;
        let argon2_memory_kib = number(get, "COFFER_ARGON2_MEMORY_KIB", 19_456, 8..=4_194_304)?;
        if argon2_memory_kib < 8 * argon2_parallelism {
            return Err(invalid(
                "COFFER_ARGON2_MEMORY_KIB",
                &argon2_memory_kib.to_string(),
                "must be at least 8 KiB per lane (COFFER_ARGON2_PARALLELISM)",
            ));
        }
        let lockout_base = secs("COFFER_LOGIN_LOCKOUT_SECONDS", 900, 1..=DAY)?;
        let lockout_max = secs("COFFER_LOGIN_LOCKOUT_MAX_SECONDS", DAY, 1..=30 * DAY)?;
        if lockout_max < lockout_base {
            return Err(invalid(
                "COFFER_LOGIN_LOCKOUT_MAX_SECONDS",
                &lockout_max.as_secs().to_string(),
                "must not be shorter than COFFER_LOGIN_LOCKOUT_SECONDS",
            ));
        }
        let ses_from_address = match get("COFFER_SES_FROM_ADDRESS") {
            None => None,
            Some(address)
                if address.len() <= 254
                    && address.split_once('@').is_some_and(|(local, domain)| {
                        !local.is_empty() && !domain.is_empty() && !domain.contains('@')
                    })
                    && !address.chars().any(char::is_whitespace) =>
            {
                Some(address.to_owned())
            }
            Some(other) => {
                return Err(invalid(
                    "COFFER_SES_FROM_ADDRESS",
                    other,
                    "expected one email address",
                ));
            }
        };
        Ok(Self {
            argon2_memory_kib,
            argon2_iterations: number(get, "COFFER_ARGON2_ITERATIONS", 2, 1..=64)?,
            argon2_parallelism,
            password_min_length: number(get, "COFFER_PASSWORD_MIN_LENGTH", 12, 8..=128)?,
            web_session_ttl: secs("COFFER_SESSION_WEB_TTL_SECONDS", 30 * DAY, 300..=400 * DAY)?,
            cli_session_ttl: secs("COFFER_SESSION_CLI_TTL_SECONDS", 90 * DAY, 300..=400 * DAY)?,
            // A login revokes the surplus in one transaction: keep it well under 100 operations.
            max_sessions_per_user: number(get, "COFFER_MAX_SESSIONS_PER_USER", 10, 1..=40)?,
            login_per_ip_per_hour: number(
                get,
                "COFFER_LOGIN_LIMIT_PER_IP_HOUR",
                100,
                1..=1_000_000,
            )?,
            login_failures_per_account_per_hour: number(
                get,
                "COFFER_LOGIN_FAILURE_LIMIT_PER_ACCOUNT_HOUR",
                10,
                1..=10_000,
            )?,
            lockout_base,
            lockout_max,
            register_per_ip_per_day: number(
                get,
                "COFFER_REGISTER_LIMIT_PER_IP_DAY",
                5,
                1..=1_000_000,
            )?,
            reset_per_ip_per_hour: number(
                get,
                "COFFER_RESET_LIMIT_PER_IP_HOUR",
                20,
                1..=1_000_000,
            )?,
            reset_per_account_per_hour: number(
                get,
                "COFFER_RESET_LIMIT_PER_ACCOUNT_HOUR",
                5,
                1..=1_000,
            )?,
            verify_per_ip_per_hour: number(
                get,
                "COFFER_VERIFY_LIMIT_PER_IP_HOUR",
                20,
                1..=1_000_000,
            )?,
            verify_per_account_per_hour: number(
                get,
                "COFFER_VERIFY_LIMIT_PER_ACCOUNT_HOUR",
                5,
                1..=1_000,
            )?,
            verify_token_ttl: secs("COFFER_EMAIL_VERIFY_TOKEN_TTL_SECONDS", DAY, 60..=30 * DAY)?,
            reset_token_ttl: secs("COFFER_PASSWORD_RESET_TOKEN_TTL_SECONDS", 3_600, 60..=DAY)?,
            ses_from_address,
        })
    }
}

/// Parses the CORS allow-list: each entry an origin as browsers send it (scheme, host, optional
/// port; no path, no wildcard).
fn cors_origins(raw: Option<&str>) -> Result<Vec<String>, SettingsError> {
    const NAME: &str = "COFFER_CORS_ALLOWED_ORIGINS";
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|origin| !origin.is_empty())
        .map(|origin| {
            let host = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            match host {
                Some(host)
                    if !host.is_empty()
                        && host.len() <= 253
                        && host.bytes().all(|b| {
                            b.is_ascii_alphanumeric()
                                || matches!(b, b'.' | b'-' | b':' | b'[' | b']')
                        }) =>
                {
                    Ok(origin.to_owned())
                }
                _ => Err(invalid(
                    NAME,
                    origin,
                    "expected exact origins such as https://app.example.com, comma-separated",
                )),
            }
        })
        .collect()
}

fn invalid(name: &'static str, value: &str, reason: &str) -> SettingsError {
    SettingsError::Invalid {
        name,
        value: value.to_owned(),
        reason: reason.to_owned(),
    }
}

fn number<'a, T>(
    get: &impl Fn(&str) -> Option<&'a str>,
    name: &'static str,
    default: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, SettingsError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let Some(raw) = get(name) else {
        return Ok(default);
    };
    match raw.parse::<T>() {
        Ok(value) if range.contains(&value) => Ok(value),
        _ => Err(invalid(
            name,
            raw,
            &format!(
                "expected a whole number from {} to {}",
                range.start(),
                range.end()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_are_embedded_on_localhost() {
        let s = Settings::from_vars(vars(&[])).unwrap();
        assert_eq!(s.backend, Backend::Embedded);
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(s.data_dir, PathBuf::from("./.coffer"));
        assert!(!s.log_json);
    }

    #[test]
    fn cors_is_off_unless_exact_origins_are_listed() {
        let none = Settings::from_vars(vars(&[])).unwrap();
        assert!(none.operations.cors_allowed_origins.is_empty());
        let listed = Settings::from_vars(vars(&[(
            "COFFER_CORS_ALLOWED_ORIGINS",
            "https://app.example.com, http://localhost:3000,",
        )]))
        .unwrap();
        assert_eq!(
            listed.operations.cors_allowed_origins,
            ["https://app.example.com", "http://localhost:3000"]
        );
        for bad in [
            "*",
            "https://*.example.com",
            "app.example.com",
            "https://a.com/path",
        ] {
            let err =
                Settings::from_vars(vars(&[("COFFER_CORS_ALLOWED_ORIGINS", bad)])).unwrap_err();
            assert!(
                err.to_string().contains("COFFER_CORS_ALLOWED_ORIGINS"),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_bad_value_names_the_variable() {
        let err = Settings::from_vars(vars(&[("COFFER_BACKEND", "mongo")])).unwrap_err();
        assert!(err.to_string().contains("COFFER_BACKEND"));
        let err = Settings::from_vars(vars(&[("COFFER_LISTEN", "nope")])).unwrap_err();
        assert!(err.to_string().contains("COFFER_LISTEN"));
        let err = Settings::from_vars(vars(&[("COFFER_MAX_BODY_BYTES", "0")])).unwrap_err();
        assert!(err.to_string().contains("COFFER_MAX_BODY_BYTES"));
    }

    #[test]
    fn identity_defaults_are_the_owasp_minimum_and_the_api_limits() {
        let s = Settings::from_vars(vars(&[])).unwrap();
        let a = &s.auth;
        assert_eq!(
            (
                a.argon2_memory_kib,
                a.argon2_iterations,
                a.argon2_parallelism
            ),
            (19_456, 2, 1)
        );
        assert_eq!(a.password_min_length, 12);
        assert_eq!(a.web_session_ttl, Duration::from_secs(30 * 86_400));
        assert_eq!(a.cli_session_ttl, Duration::from_secs(90 * 86_400));
        assert_eq!(a.max_sessions_per_user, 10);
        assert_eq!(a.login_per_ip_per_hour, 100);
        assert_eq!(a.login_failures_per_account_per_hour, 10);
        assert_eq!(a.register_per_ip_per_day, 5);
        assert_eq!(a.reset_token_ttl, Duration::from_secs(3_600));
        assert_eq!(a.verify_token_ttl, Duration::from_secs(86_400));
        assert!(a.ses_from_address.is_none());
        assert!(s.trusted_proxies.is_empty());
    }

    #[test]
    fn identity_values_are_read_and_checked() {
        let s = Settings::from_vars(vars(&[
            ("COFFER_ARGON2_MEMORY_KIB", "65536"),
            ("COFFER_ARGON2_ITERATIONS", "3"),
            ("COFFER_ARGON2_PARALLELISM", "2"),
            ("COFFER_SES_FROM_ADDRESS", "no-reply@example.com"),
            ("COFFER_TRUSTED_PROXIES", "10.0.0.1, ::1, 172.16.0.0/12"),
        ]))
        .unwrap();
        assert_eq!(s.auth.argon2_memory_kib, 65_536);
        assert_eq!(s.auth.argon2_parallelism, 2);
        assert_eq!(
            s.auth.ses_from_address.as_deref(),
            Some("no-reply@example.com")
        );
        assert_eq!(s.trusted_proxies.len(), 3);
        assert!(
            s.trusted_proxies[2].contains(&"172.20.1.2".parse::<IpAddr>().unwrap()),
            "CIDR ranges are accepted"
        );
        for (name, value) in [
            ("COFFER_ARGON2_MEMORY_KIB", "4"),
            ("COFFER_ARGON2_ITERATIONS", "0"),
            ("COFFER_PASSWORD_MIN_LENGTH", "4"),
            ("COFFER_MAX_SESSIONS_PER_USER", "500"),
            ("COFFER_LOGIN_LIMIT_PER_IP_HOUR", "lots"),
            ("COFFER_SES_FROM_ADDRESS", "not an address"),
            ("COFFER_TRUSTED_PROXIES", "10.0.0.1,proxy.internal"),
            ("COFFER_LOGIN_LOCKOUT_MAX_SECONDS", "10"),
        ] {
            let err = Settings::from_vars(vars(&[(name, value)])).unwrap_err();
            assert!(err.to_string().contains(name), "{name}: {err}");
        }
    }

    #[test]
    fn the_pii_body_limit_defaults_to_16_mib_and_is_checked() {
        let s = Settings::from_vars(vars(&[])).unwrap();
        assert_eq!(s.pii_max_body_bytes, 16 * 1_048_576);
        let s = Settings::from_vars(vars(&[("COFFER_PII_MAX_BODY_BYTES", "6000000")])).unwrap();
        assert_eq!(s.pii_max_body_bytes, 6_000_000);
        for value in ["0", "67108865", "lots"] {
            let err =
                Settings::from_vars(vars(&[("COFFER_PII_MAX_BODY_BYTES", value)])).unwrap_err();
            assert!(
                err.to_string().contains("COFFER_PII_MAX_BODY_BYTES"),
                "{err}"
            );
        }
    }

    #[test]
    fn aws_needs_a_key() {
        let err = Settings::from_vars(vars(&[("COFFER_BACKEND", "aws")])).unwrap_err();
        assert!(matches!(
            err,
            SettingsError::Missing {
                name: "COFFER_KMS_KEY_ID",
                ..
            }
        ));
        let ok = Settings::from_vars(vars(&[
            ("COFFER_BACKEND", "aws"),
            ("COFFER_KMS_KEY_ID", "alias/coffer"),
            ("COFFER_AWS_ENDPOINT", "http://127.0.0.1:5000"),
        ]))
        .unwrap();
        assert_eq!(ok.aws_endpoint.as_deref(), Some("http://127.0.0.1:5000"));
    }
}
