//! Pre-signed `client_credentials` requests for the load test: one form body per line, each with
//! a fresh `private_key_jwt` assertion (RFC 7523: `iss` = `sub` = the client, `aud` = the token
//! endpoint, a unique `jti`, `exp` a few minutes out) signed by a certificate's Ed25519 key.
//!
//! `cargo run --profile bench -p coffer-benches --example assertions -- \
//!     <private-key.pem> <client_id> <kid> <aud> <count> [lifetime_seconds=300] > bodies.txt`
//!
//! `<kid>` is the certificate's `kid` (its `crt_` id). The assertions expire `lifetime_seconds`
//! after they are made, so make them right before the run.

use std::io::{BufWriter, Write as _};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use coffer_core::crypto::random;
use coffer_core::tokens::jws;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::DecodePrivateKey as _;
use serde_json::json;

const USAGE: &str =
    "usage: assertions <private-key.pem> <client_id> <kid> <aud> <count> [lifetime_seconds=300]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("assertions: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [pem, client, kid, aud, count, rest @ ..] = args.as_slice() else {
        return Err(USAGE.into());
    };
    let count: u64 = count.parse().map_err(|_| USAGE)?;
    let lifetime: i64 = match rest {
        [] => 300,
        [lifetime] => lifetime.parse().map_err(|_| USAGE)?,
        _ => return Err(USAGE.into()),
    };
    // Trimmed: the PEM decoder refuses a blank line after the end boundary.
    let key = SigningKey::from_pkcs8_pem(std::fs::read_to_string(pem)?.trim())
        .map_err(|err| format!("{pem}: not a PKCS#8 Ed25519 private key ({err})"))?;
    let now = i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs())?;
    // Unique jtis, cheaply: a random prefix per run and a counter.
    let prefix = random::token()?;
    let prefix = &prefix[..22];
    let head = format!(
        "grant_type=client_credentials\
         &client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer\
         &client_id={client}&client_assertion="
    );
    let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    for n in 0..count {
        let claims = json!({
            "iss": client,
            "sub": client,
            "aud": aud,
            "iat": now,
            "exp": now + lifetime,
            "jti": format!("{prefix}{n:x}"),
        });
        let assertion = jws::sign(&key, kid, "JWT", &claims)?;
        // Base64url and dots only: nothing to escape in a form body.
        writeln!(out, "{head}{assertion}")?;
    }
    out.flush()?;
    Ok(())
}
