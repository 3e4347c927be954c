//! Configuration, read once from `COFFER_*` environment variables and validated at start.

use std::collections::HashMap;
use std::net::SocketAddr;
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
    /// How long a plaintext data key may stay in memory.
    pub data_key_max_age: Duration,
    /// How many times a cached plaintext data key may be used.
    pub data_key_max_uses: u64,
    /// Logs as JSON lines (on Lambda) or readable text (locally).
    pub log_json: bool,
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
        let listen = listen_raw
            .parse()
            .map_err(|_| invalid("COFFER_LISTEN", listen_raw, "expected host:port, e.g. 127.0.0.1:8080"))?;
        let aws_endpoint = match get("COFFER_AWS_ENDPOINT") {
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => Some(url.to_owned()),
            Some(url) => return Err(invalid("COFFER_AWS_ENDPOINT", url, "expected an http(s):// URL")),
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
                && value.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
            if ok {
                Ok(value.to_owned())
            } else {
                Err(invalid(name, value, "3-255 characters of a-z, 0-9, '-', '_' or '.'"))
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
            max_body_bytes: number(get, "COFFER_MAX_BODY_BYTES", 1_048_576, 1..=16 * 1_048_576)?,
            data_key_max_age: Duration::from_secs(number(get, "COFFER_DATA_KEY_MAX_AGE_SECONDS", 300, 1..=86_400)?),
            data_key_max_uses: number(get, "COFFER_DATA_KEY_MAX_USES", 100_000, 1..=u64::MAX)?,
            log_json: match get("COFFER_LOG_FORMAT") {
                Some("json") => true,
                Some("text") => false,
                Some(other) => return Err(invalid("COFFER_LOG_FORMAT", other, "use `json` or `text`")),
                None => vars.contains_key("AWS_LAMBDA_FUNCTION_NAME"),
            },
        })
    }

    /// Settings for tests: embedded backends under `data_dir`, everything else default.
    pub fn embedded(data_dir: impl Into<PathBuf>) -> Self {
        let mut vars = HashMap::new();
        vars.insert("COFFER_DATA_DIR".to_owned(), data_dir.into().display().to_string());
        // The defaults are all valid, so this cannot fail; fall back to a literal just in case.
        Self::from_vars(vars).unwrap_or_else(|_| unreachable!("default settings are valid"))
    }
}

fn invalid(name: &'static str, value: &str, reason: &str) -> SettingsError {
    SettingsError::Invalid {
        name,
        value: value.to_owned(),
        reason: reason.to_owned(),
    }
}

fn number<'a, T>(
    get: impl Fn(&str) -> Option<&'a str>,
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
            &format!("expected a whole number from {} to {}", range.start(), range.end()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
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
    fn a_bad_value_names_the_variable() {
        let err = Settings::from_vars(vars(&[("COFFER_BACKEND", "mongo")])).unwrap_err();
        assert!(err.to_string().contains("COFFER_BACKEND"));
        let err = Settings::from_vars(vars(&[("COFFER_LISTEN", "nope")])).unwrap_err();
        assert!(err.to_string().contains("COFFER_LISTEN"));
        let err = Settings::from_vars(vars(&[("COFFER_MAX_BODY_BYTES", "0")])).unwrap_err();
        assert!(err.to_string().contains("COFFER_MAX_BODY_BYTES"));
    }

    #[test]
    fn aws_needs_a_key() {
        let err = Settings::from_vars(vars(&[("COFFER_BACKEND", "aws")])).unwrap_err();
        assert!(matches!(err, SettingsError::Missing { name: "COFFER_KMS_KEY_ID", .. }));
        let ok = Settings::from_vars(vars(&[
            ("COFFER_BACKEND", "aws"),
            ("COFFER_KMS_KEY_ID", "alias/coffer"),
            ("COFFER_AWS_ENDPOINT", "http://127.0.0.1:5000"),
        ]))
        .unwrap();
        assert_eq!(ok.aws_endpoint.as_deref(), Some("http://127.0.0.1:5000"));
    }
}
