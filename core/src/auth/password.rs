//! Passwords: the strength policy, and Argon2id hashing on a blocking thread.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq as _;
use tokio::sync::OnceCell;

use super::AuthError;
use crate::crypto::random;
use crate::settings::AuthSettings;

/// The longest password accepted, in bytes (hashing cost does not depend on it, but parsing and
/// the strength estimate do).
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// zxcvbn's score (0-4) a password needs: 3 means "safely unguessable" (10^10 guesses).
const MIN_SCORE: u8 = 3;

/// Which passwords are accepted.
#[derive(Debug, Clone)]
pub struct PasswordPolicy {
    min_chars: usize,
}

impl PasswordPolicy {
    pub fn new(min_chars: usize) -> Self {
        Self { min_chars }
    }

    /// Every reason `password` is refused, none when it is accepted. `personal` holds what the
    /// password must not contain: the user's email address and name. Reasons never quote it.
    pub fn check(&self, password: &SecretString, personal: &[&str]) -> Result<(), Vec<String>> {
        let password = password.expose_secret();
        if password.len() > MAX_PASSWORD_BYTES {
            // Nothing else is worth estimating on such an input.
            return Err(vec![format!("must be at most {MAX_PASSWORD_BYTES} bytes")]);
        }
        let mut reasons = Vec::new();
        if password.chars().count() < self.min_chars {
            reasons.push(format!("must be at least {} characters", self.min_chars));
        }
        let lowered = password.to_lowercase();
        let personal: Vec<String> = personal
            .iter()
            .map(|part| part.trim().to_lowercase())
            .filter(|part| part.chars().count() >= 3)
            .collect();
        if personal.iter().any(|part| lowered.contains(part.as_str())) {
            reasons.push("must not contain your email address or name".to_owned());
        }
        if reasons.is_empty() {
            let inputs: Vec<&str> = personal.iter().map(String::as_str).collect();
            let estimate = zxcvbn::zxcvbn(password, &inputs);
            if u8::from(estimate.score()) < MIN_SCORE {
                let mut reason = "is too easy to guess".to_owned();
                if let Some(feedback) = estimate.feedback() {
                    if let Some(warning) = feedback.warning() {
                        reason = format!("{reason}: {warning}");
                    }
                    for suggestion in feedback.suggestions() {
                        reason = format!("{reason} {suggestion}");
                    }
                }
                reasons.push(reason);
            }
        }
        if reasons.is_empty() {
            Ok(())
        } else {
            Err(reasons)
        }
    }
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verification {
    pub matches: bool,
    /// The hash was made with other parameters than the current ones: hash again and store.
    pub needs_rehash: bool,
}

/// Argon2id with the configured parameters. Hashing and verifying run on tokio's blocking pool
/// (inside the caller's tracing span) so that the runtime keeps serving meanwhile. Counts the
/// verifications it runs and the time they take, for the enumeration test and the bench.
#[derive(Debug)]
pub struct PasswordHasher {
    params: Params,
    /// A hash of a random password, made at start ([`PasswordHasher::prepare`], from the
    /// service's warm-up) or else on first need: unknown emails are verified against it so that
    /// they cost what a known one does.
    dummy: OnceCell<String>,
    verifications: AtomicU64,
    argon2_nanos: AtomicU64,
}

impl PasswordHasher {
    pub fn new(memory_kib: u32, iterations: u32, parallelism: u32) -> Result<Self, AuthError> {
        let params =
            Params::new(memory_kib, iterations, parallelism, None).map_err(AuthError::hashing)?;
        Ok(Self {
            params,
            dummy: OnceCell::new(),
            verifications: AtomicU64::new(0),
            argon2_nanos: AtomicU64::new(0),
        })
    }

    pub fn from_settings(settings: &AuthSettings) -> Result<Self, AuthError> {
        Self::new(
            settings.argon2_memory_kib,
            settings.argon2_iterations,
            settings.argon2_parallelism,
        )
    }

    /// How many verifications ran (real and dummy).
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// Time spent inside Argon2 (hashing and verifying) so far.
    pub fn argon2_time(&self) -> Duration {
        Duration::from_nanos(self.argon2_nanos.load(Ordering::Relaxed))
    }

    /// A PHC string (`$argon2id$v=19$m=...,t=...,p=...$salt$hash`) of `password` with a fresh
    /// 128-bit salt.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn hash(&self, password: &SecretString) -> Result<String, AuthError> {
        let password = SecretString::from(password.expose_secret());
        let salt = random::bytes::<16>()?;
        let params = self.params.clone();
        let (hash, spent) = blocking(move || {
            let started = Instant::now();
            let encoded_salt = SaltString::encode_b64(&salt).map_err(AuthError::hashing)?;
            let output = compute(
                &argon2(params.clone()),
                password.expose_secret().as_bytes(),
                &salt,
                params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN),
            )?;
            let hash = PasswordHash {
                algorithm: Algorithm::Argon2id.ident(),
                version: Some(Version::V0x13.into()),
                params: ParamsString::try_from(&params).map_err(AuthError::hashing)?,
                salt: Some(encoded_salt.as_salt()),
                hash: Some(output),
            }
            .to_string();
            Ok((hash, started.elapsed()))
        })
        .await?;
        self.add_time(spent);
        Ok(hash)
    }

    /// Checks `password` against `stored`, or against the dummy hash when there is no stored
    /// hash (an unknown email): the same work either way, and then never a match.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn verify(
        &self,
        password: &SecretString,
        stored: Option<&str>,
    ) -> Result<Verification, AuthError> {
        let password = SecretString::from(password.expose_secret());
        let (phc, real) = match stored {
            Some(phc) => (phc.to_owned(), true),
            None => (self.dummy().await?.to_owned(), false),
        };
        let params = self.params.clone();
        let (verification, spent) = blocking(move || {
            let started = Instant::now();
            let parsed = PasswordHash::new(&phc).map_err(AuthError::hashing)?;
            let matches = stored_matches(&parsed, password.expose_secret().as_bytes())?;
            let needs_rehash = !same_parameters(&parsed, &params);
            Ok((
                Verification {
                    matches,
                    needs_rehash,
                },
                started.elapsed(),
            ))
        })
        .await?;
        self.verifications.fetch_add(1, Ordering::Relaxed);
        self.add_time(spent);
        Ok(Verification {
            matches: verification.matches && real,
            needs_rehash: verification.needs_rehash && real,
        })
    }

    /// Makes the dummy hash now (at cold start), so that the first unknown email does not pay
    /// for a hash a known one does not.
    pub async fn prepare(&self) -> Result<(), AuthError> {
        self.dummy().await.map(|_| ())
    }

    /// Whether the dummy hash is made.
    pub fn is_prepared(&self) -> bool {
        self.dummy.initialized()
    }

    async fn dummy(&self) -> Result<&String, AuthError> {
        self.dummy
            .get_or_try_init(|| async {
                let throwaway = SecretString::from(crate::crypto::random::token()?);
                self.hash(&throwaway).await
            })
            .await
    }

    fn add_time(&self, spent: Duration) {
        let nanos = u64::try_from(spent.as_nanos()).unwrap_or(u64::MAX);
        self.argon2_nanos.fetch_add(nanos, Ordering::Relaxed);
    }
}

fn argon2(params: Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Whether `password` hashes to `stored` under the algorithm, version and parameters `stored`
/// names (older hashes included), compared in constant time.
fn stored_matches(stored: &PasswordHash<'_>, password: &[u8]) -> Result<bool, AuthError> {
    let (Some(salt), Some(expected)) = (stored.salt, stored.hash) else {
        return Err(AuthError::hashing(
            argon2::password_hash::Error::PhcStringField,
        ));
    };
    let algorithm = Algorithm::try_from(stored.algorithm).map_err(AuthError::hashing)?;
    let version = stored
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(AuthError::hashing)?
        .unwrap_or_default();
    let params = Params::try_from(stored).map_err(AuthError::hashing)?;
    let mut salt_bytes = [0u8; 64];
    let salt = salt
        .decode_b64(&mut salt_bytes)
        .map_err(AuthError::hashing)?;
    let computed = compute(
        &Argon2::new(algorithm, version, params),
        password,
        salt,
        expected.len(),
    )?;
    // `Output`'s equality is constant-time.
    Ok(computed == expected)
}

/// Argon2 of `password` into `len` bytes, in a block buffer kept for the next computation:
/// allocating 19 MiB per hash left glibc's heaps fragmented and never given back (2 GB of
/// RSS after a burst of logins), and faulting fresh pages in on every hash cost time.
fn compute(
    argon2: &Argon2<'_>,
    password: &[u8],
    salt: &[u8],
    len: usize,
) -> Result<Output, AuthError> {
    let mut blocks = spare_blocks()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .pop()
        .unwrap_or_default();
    let needed = argon2.params().block_count();
    if blocks.len() < needed {
        blocks.resize(needed, Block::default());
    }
    let output = Output::init_with(len, |out| {
        argon2
            .hash_password_into_with_memory(password, salt, out, &mut blocks[..needed])
            .map_err(argon2::password_hash::Error::from)
    })
    .map_err(AuthError::hashing);
    spare_blocks()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(blocks);
    output
}

/// Block buffers between computations: at most one per [`argon2_slots`] place is ever in use, so
/// the process keeps as many as it has cores.
fn spare_blocks() -> &'static Mutex<Vec<Vec<Block>>> {
    static SPARE: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());
    &SPARE
}

/// Whether a stored hash was made with Argon2id v19 and exactly these parameters.
fn same_parameters(hash: &PasswordHash<'_>, current: &Params) -> bool {
    let Ok(used) = Params::try_from(hash) else {
        return false;
    };
    hash.algorithm == Algorithm::Argon2id.ident()
        && hash.version == Some(Version::V0x13.into())
        && used.m_cost() == current.m_cost()
        && used.t_cost() == current.t_cost()
        && used.p_cost() == current.p_cost()
}

/// How many Argon2 computations run at once in this process: one per core. More cannot finish
/// sooner (each is CPU-bound), and each holds its memory cost (19 MiB by default) for its whole
/// run: unbounded, a burst of 32 registrations held gigabytes the allocator then kept.
fn argon2_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        tokio::sync::Semaphore::new(cores)
    })
}

/// Runs CPU-heavy `work` on the blocking pool inside the current tracing span, once one of
/// [`argon2_slots`] is free.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AuthError> + Send + 'static,
) -> Result<T, AuthError> {
    let span = tracing::Span::current();
    // The semaphore is never closed, so waiting for a slot cannot fail.
    let slot = argon2_slots().acquire().await.ok();
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        span.in_scope(work)
    })
    .await?
}

/// Whether two secrets are equal, in time that does not depend on where they differ.
pub fn secrets_equal(a: &SecretString, b: &SecretString) -> bool {
    let (a, b) = (a.expose_secret().as_bytes(), b.expose_secret().as_bytes());
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(value: &str) -> SecretString {
        SecretString::from(value.to_owned())
    }

    fn small() -> PasswordHasher {
        PasswordHasher::new(64, 1, 1).unwrap()
    }

    #[test]
    fn a_long_random_passphrase_is_accepted() {
        let policy = PasswordPolicy::new(12);
        assert_eq!(
            policy.check(&secret("correct horse battery staple orbit"), &[]),
            Ok(())
        );
        assert_eq!(
            policy.check(&secret("tB7#qLz9!vRw2m"), &["jane@example.com"]),
            Ok(())
        );
    }

    #[test]
    fn short_common_and_personal_passwords_are_refused() {
        let policy = PasswordPolicy::new(12);
        let short = policy.check(&secret("Xk9#pQ2!"), &[]).unwrap_err();
        assert!(short.iter().any(|r| r.contains("at least 12")), "{short:?}");
        let common = policy.check(&secret("password1234"), &[]).unwrap_err();
        assert!(common.iter().any(|r| r.contains("too easy")), "{common:?}");
        let repeated = policy.check(&secret("aaaaaaaaaaaaaaaa"), &[]).unwrap_err();
        assert!(
            repeated.iter().any(|r| r.contains("too easy")),
            "{repeated:?}"
        );
        let personal = policy
            .check(
                &secret("Zq8!janedoe-Wv3#plk"),
                &["JaneDoe@example.com", "janedoe", "Jane Doe"],
            )
            .unwrap_err();
        assert!(
            personal.iter().any(|r| r.contains("email address or name")),
            "{personal:?}"
        );
    }

    #[test]
    fn reasons_never_quote_the_password() {
        let policy = PasswordPolicy::new(12);
        let reasons = policy.check(&secret("canarycanary"), &[]).unwrap_err();
        assert!(reasons.iter().all(|r| !r.contains("canary")), "{reasons:?}");
    }

    #[test]
    fn a_password_past_1024_bytes_is_refused_without_estimating() {
        let policy = PasswordPolicy::new(12);
        let reasons = policy.check(&secret(&"x".repeat(1025)), &[]).unwrap_err();
        assert_eq!(reasons, vec!["must be at most 1024 bytes".to_owned()]);
        let long_ok = format!("{}{}", "Zq8!Wv3#plk-".repeat(85), "abcd");
        assert_eq!(long_ok.len(), 1024);
        assert_eq!(policy.check(&secret(&long_ok), &[]), Ok(()));
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_no_other() {
        let hasher = small();
        let hash = hasher
            .hash(&secret("a fine long passphrase"))
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{hash}");
        let right = hasher
            .verify(&secret("a fine long passphrase"), Some(&hash))
            .await
            .unwrap();
        assert_eq!(
            right,
            Verification {
                matches: true,
                needs_rehash: false
            }
        );
        let wrong = hasher
            .verify(&secret("a fine long passphrasf"), Some(&hash))
            .await
            .unwrap();
        assert!(!wrong.matches);
        assert_eq!(hasher.verifications(), 2);
        assert!(hasher.argon2_time() > Duration::ZERO);
    }

    #[tokio::test]
    async fn an_unknown_user_costs_one_verification_and_never_matches() {
        let hasher = small();
        let outcome = hasher
            .verify(&secret("anything at all"), None)
            .await
            .unwrap();
        assert_eq!(
            outcome,
            Verification {
                matches: false,
                needs_rehash: false
            }
        );
        assert_eq!(hasher.verifications(), 1);
    }

    #[tokio::test]
    async fn a_prepared_hasher_verifies_an_unknown_user_without_hashing_first() {
        let hasher = small();
        assert!(!hasher.is_prepared());
        hasher.prepare().await.unwrap();
        assert!(hasher.is_prepared());
        let hashed = hasher.argon2_time();
        assert!(hashed > Duration::ZERO);
        // Made once: preparing again does no work.
        hasher.prepare().await.unwrap();
        assert_eq!(hasher.argon2_time(), hashed);
        let outcome = hasher.verify(&secret("anything"), None).await.unwrap();
        assert!(!outcome.matches);
        assert_eq!(hasher.verifications(), 1);
    }

    #[tokio::test]
    async fn a_hash_made_with_older_parameters_asks_to_be_redone() {
        let old = PasswordHasher::new(32, 1, 1).unwrap();
        let hash = old.hash(&secret("a fine long passphrase")).await.unwrap();
        let outcome = small()
            .verify(&secret("a fine long passphrase"), Some(&hash))
            .await
            .unwrap();
        assert_eq!(
            outcome,
            Verification {
                matches: true,
                needs_rehash: true
            }
        );
    }

    #[tokio::test]
    async fn a_malformed_stored_hash_is_an_error_not_a_mismatch() {
        let err = small()
            .verify(&secret("x"), Some("not a phc string"))
            .await
            .unwrap_err();
        assert!(matches!(err, AuthError::Hashing(_)));
    }

    #[test]
    fn secrets_compare_equal_only_when_equal() {
        assert!(secrets_equal(&secret("abc"), &secret("abc")));
        assert!(!secrets_equal(&secret("abc"), &secret("abd")));
        assert!(!secrets_equal(&secret("abc"), &secret("abcd")));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_password_hashes_run_at_once_than_there_are_cores() {
        use std::sync::atomic::AtomicUsize;
        static RUNNING: AtomicUsize = AtomicUsize::new(0);
        static MOST: AtomicUsize = AtomicUsize::new(0);
        let work = (0..16).map(|_| {
            tokio::spawn(blocking(|| {
                let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
                MOST.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(20));
                RUNNING.fetch_sub(1, Ordering::SeqCst);
                Ok(())
            }))
        });
        for task in work.collect::<Vec<_>>() {
            task.await.unwrap().unwrap();
        }
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        assert!(MOST.load(Ordering::SeqCst) <= cores);
    }

    #[tokio::test]
    async fn hashes_made_here_and_by_the_argon2_crate_verify_each_other() {
        use argon2::{PasswordHasher as _, PasswordVerifier as _};
        let hasher = PasswordHasher::new(64, 1, 1).unwrap();
        let password = secret("Walnut-Orbit-Sparrow-Fig-42");

        // Ours, checked by the crate's own verifier.
        let ours = hasher.hash(&password).await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        let crate_hasher = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(64, 1, 1, None).unwrap(),
        );
        assert!(
            crate_hasher
                .verify_password(b"Walnut-Orbit-Sparrow-Fig-42", &parsed)
                .is_ok()
        );
        assert!(
            crate_hasher
                .verify_password(b"walnut-Orbit-Sparrow-Fig-42", &parsed)
                .is_err()
        );

        // The crate's, with other parameters (an older hash), checked here.
        let older_params = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(32, 2, 1, None).unwrap(),
        );
        let salt = SaltString::encode_b64(&[7u8; 16]).unwrap();
        let theirs = older_params
            .hash_password(b"Walnut-Orbit-Sparrow-Fig-42", &salt)
            .unwrap()
            .to_string();
        let right = hasher.verify(&password, Some(&theirs)).await.unwrap();
        assert!(right.matches && right.needs_rehash);
        let wrong = hasher
            .verify(&secret("Walnut-Orbit-Sparrow-Fig-43"), Some(&theirs))
            .await
            .unwrap();
        assert!(!wrong.matches);
        let ours_again = hasher.verify(&password, Some(&ours)).await.unwrap();
        assert!(ours_again.matches && !ours_again.needs_rehash);
    }
}
