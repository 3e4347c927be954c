//! Envelope v1/v2 decoding, and the `coffer:v…` text form of named-key ciphertexts.
//!
//! - [`envelope`]: `Envelope::parse` on any bytes, then opening under a fixed data key with both
//!   AEAD implementations (they must agree). Inputs starting with `0xFF` edit one of this
//!   process's valid envelopes (see [`crate::tamper`]): only the unedited envelope opens. Any
//!   input that opens must stop opening when any byte of it changes, and a v2 envelope must not
//!   open under another key. Every input is also sealed as a plaintext, which must open back.
//! - [`ciphertext`]: `ciphertext::parse`; what parses formats back to the same text, and the
//!   envelope inside goes through the checks above. Any bytes formatted then parsed come back.

use std::sync::LazyLock;

use coffer_core::crypto::{
    Aead256, AwsLcGcm, CryptoError, DataKey, Envelope, NONCE_LEN, RustCryptoGcm, TAG_LEN,
};
use coffer_core::ids::NamedKeyId;
use coffer_core::named_keys::{ciphertext, key_ref};

use crate::{tamper, text};

/// The data key every envelope here is sealed under, and another.
const KEY: [u8; 32] = [3; 32];
const OTHER_KEY: [u8; 32] = [4; 32];
/// The caller's associated data (for named keys: the encryption context).
const AAD: &[u8] = b"ds_1/rec_2/email";
const TAMPER: u8 = 0xFF;

#[expect(clippy::expect_used, reason = "a 32-byte constant is a data key")]
fn data_key(bytes: &[u8; 32]) -> DataKey {
    DataKey::from_slice(bytes).expect("a 32-byte key")
}

static KEYS: LazyLock<(DataKey, DataKey)> =
    LazyLock::new(|| (data_key(&KEY), data_key(&OTHER_KEY)));

/// A v1 envelope as Coffer wrote them before v2 (v1 sealing is test-only in core): the prefix,
/// a nonce, then AES-256-GCM with the prefix and the caller's data as associated data.
fn seal_v1(key: &DataKey, key_ref: &[u8], nonce: [u8; NONCE_LEN], plaintext: &[u8]) -> Vec<u8> {
    let ref_len = u16::try_from(key_ref.len()).unwrap_or(u16::MAX);
    let mut out = vec![1u8];
    out.extend_from_slice(&ref_len.to_be_bytes());
    out.extend_from_slice(key_ref);
    let mut aad = out.clone();
    aad.extend_from_slice(AAD);
    out.extend_from_slice(&nonce);
    let body_at = out.len();
    out.resize(body_at + plaintext.len() + TAG_LEN, 0);
    if AwsLcGcm
        .seal_into(key, &nonce, &aad, plaintext, &mut out[body_at..])
        .is_err()
    {
        out.clear();
    }
    out
}

/// Valid envelopes of both versions, sealed once per process.
static VALID: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let (key, _) = &*KEYS;
    let mut valid = Vec::new();
    for (i, plaintext) in [&b""[..], b"x", b"alice@example.com", &[0u8; 100]]
        .iter()
        .enumerate()
    {
        let key_ref = format!("dk-{i}");
        valid.extend(Envelope::seal(key, key_ref.as_bytes(), AAD, plaintext).ok());
        valid.push(seal_v1(
            key,
            key_ref.as_bytes(),
            [i as u8; NONCE_LEN],
            plaintext,
        ));
    }
    valid.retain(|v| !v.is_empty());
    valid
});

pub fn envelope_seeds() -> Vec<Vec<u8>> {
    let mut seeds = VALID.clone();
    seeds.extend((0..VALID.len() as u8).map(|i| vec![TAMPER, i]));
    seeds.push(vec![TAMPER, 0, 0, 3, 1]);
    seeds.push(vec![2, 0xff, 0xff]);
    seeds
}

/// The envelope target (see the module doc).
pub fn envelope(data: &[u8]) {
    seal_round_trip(data);
    match data.split_first() {
        Some((&TAMPER, rest)) => {
            let (which, edits) = rest.split_first().unwrap_or((&0, &[]));
            let original = &VALID[usize::from(*which) % VALID.len()];
            let edited = tamper(original, edits);
            if opens(&edited).is_some() {
                assert_eq!(&edited, original, "an edited envelope opened");
            }
        }
        _ => check_opening(data),
    }
}

/// Parses and opens `bytes` under the fixed key with both AEADs, which must agree; the
/// plaintext if it opened.
fn opens(bytes: &[u8]) -> Option<Vec<u8>> {
    let envelope = Envelope::parse(bytes).ok()?;
    let key_ref = envelope.key_ref();
    assert!(key_ref.len() <= bytes.len().saturating_sub(3));
    assert_eq!(envelope.is_key_committing(), envelope.version() == 2);
    let (key, _) = &*KEYS;
    let by_aws_lc = envelope.open_with(&AwsLcGcm, key, AAD);
    let by_rust_crypto = envelope.open_with(&RustCryptoGcm, key, AAD);
    match (&by_aws_lc, &by_rust_crypto) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "the AEADs disagree on the plaintext"),
        (Err(_), Err(_)) => {}
        _ => panic!("the AEADs disagree: {by_aws_lc:?} / {by_rust_crypto:?}"),
    }
    by_aws_lc.ok()
}

/// Whatever opens is sealed: any one changed byte, or a key other than its own, refuses it.
fn check_opening(bytes: &[u8]) {
    let Some(plaintext) = opens(bytes) else {
        return;
    };
    assert!(plaintext.len() + TAG_LEN + 3 <= bytes.len());
    let step = bytes.len().div_ceil(64).max(1);
    for at in (0..bytes.len()).step_by(step) {
        let mut changed = bytes.to_vec();
        changed[at] ^= 0x01;
        assert!(
            opens(&changed).is_none(),
            "byte {at} changed and it still opens"
        );
    }
    assert!(
        opens(&bytes[..bytes.len() - 1]).is_none(),
        "a truncated envelope opened"
    );
    let (_, other) = &*KEYS;
    if let Ok(parsed) = Envelope::parse(bytes) {
        if parsed.version() == 2 {
            assert!(matches!(parsed.open(other, AAD), Err(CryptoError::Decrypt)));
        }
        assert!(
            parsed.open(&KEYS.0, b"another place").is_err(),
            "opened with another aad"
        );
    }
}

/// `data` sealed (its first bytes as the key reference) opens back to itself.
fn seal_round_trip(data: &[u8]) {
    let (key, _) = &*KEYS;
    let key_ref = &data[..data
        .len()
        .min(usize::from(data.first().copied().unwrap_or(0) % 48))];
    let sealed = match Envelope::seal(key, key_ref, AAD, data) {
        Ok(sealed) => sealed,
        Err(e) => panic!("sealing {} bytes failed: {e}", data.len()),
    };
    let parsed = Envelope::parse(&sealed).unwrap_or_else(|e| panic!("a fresh envelope: {e}"));
    assert_eq!(parsed.version(), 2);
    assert_eq!(parsed.key_ref(), key_ref);
    assert_eq!(parsed.open(key, AAD).ok().as_deref(), Some(data));
}

/// Ciphertexts of a named key, in text form, made once per process.
static CIPHERTEXTS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let (key, _) = &*KEYS;
    let now = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
    let Ok(named) = NamedKeyId::generate(now) else {
        return Vec::new();
    };
    [1u32, 2, 4_294_967_295]
        .iter()
        .filter_map(|&version| {
            let envelope =
                Envelope::seal(key, key_ref(&named, version).as_bytes(), AAD, b"4111 1111").ok()?;
            Some(ciphertext::format(version, &envelope))
        })
        .collect()
});

pub fn ciphertext_seeds() -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = CIPHERTEXTS.iter().map(|c| c.clone().into_bytes()).collect();
    seeds.push(b"coffer:v1:AQ==".to_vec());
    seeds.push(b"coffer:v01:AQ==".to_vec());
    seeds.push(b"coffer:v7:".to_vec());
    seeds
}

/// The `coffer:v…` target (see the module doc).
pub fn ciphertext(data: &[u8]) {
    // Any bytes, with a version from the first four, format and parse back.
    let version = data
        .get(..4)
        .and_then(|b| b.try_into().ok())
        .map_or(1, u32::from_be_bytes)
        .max(1);
    let formatted = ciphertext::format(version, data);
    assert_eq!(
        ciphertext::parse(&formatted),
        Some((version, data.to_vec())),
        "format then parse"
    );
    let Some(text) = text(data) else { return };
    let Some((version, envelope)) = ciphertext::parse(text) else {
        return;
    };
    assert!(version >= 1);
    assert_eq!(
        ciphertext::format(version, &envelope),
        text,
        "parse then format"
    );
    check_opening(&envelope);
}
