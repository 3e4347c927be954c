//! Envelope v2 (key-committing) against the bare AES-256-GCM seal of the same buffer by the same
//! library (aws-lc-rs), at 1 KiB, 100 KiB and 1 MiB, encrypt and decrypt, in one run.
//!
//! - `envelope_v2_{encrypt,decrypt}/aws-lc-rs/<size>`: `Envelope::seal_into` and
//!   `Envelope::parse(..).open_into(..)` — a random message id, the HKDF-SHA256 message key and
//!   commitment, the GCM key schedule, the header (a 180-byte key_ref, about a KMS-wrapped data
//!   key) as associated data before the caller's, and the cipher.
//! - `bare_gcm_{encrypt,decrypt}/aws-lc-rs/<size>`: the cipher alone — one `LessSafeKey` built
//!   outside the loop, a given nonce, the caller's associated data, and the same out-of-place
//!   calls `AwsLcGcm` makes (`seal_in_place_scatter`, `open_separate_gather`).
//!
//! The two run interleaved, size by size, so the two figures of a pair are measured seconds apart.
//! Buffers are reused, as `openssl speed` does (`benches/openssl_speed.sh`), so the figures compare
//! the cipher and the format, not the allocator. The goals: v2 at 1 MiB gets at least 95% of the
//! bare throughput, and at 1 KiB takes at most twice the bare time. `envelope_v2_parts` splits the
//! fixed per-message cost (what dominates at 1 KiB); `bare_gcm_at_v2_offset` is the bare cipher
//! with the ciphertext where v2 puts it (after the 247-byte header, unaligned);
//! `envelope_v2_*/aes-gcm` is the RustCrypto backend through the same format, for comparison.
//!
//! `cargo bench -p coffer-benches --bench envelope`

// Setup failures should stop the bench loudly; nothing here runs in production.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::hint::black_box;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use coffer_core::crypto::{
    Aead256, AwsLcGcm, COMMITMENT_LEN, DataKey, Envelope, MESSAGE_ID_LEN, MessageIds, MessageKey,
    NONCE_LEN, RustCryptoGcm, TAG_LEN, random,
};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const SIZES: [(usize, &str); 3] = [
    (1024, "1KiB"),
    (100 * 1024, "100KiB"),
    (1024 * 1024, "1MiB"),
];
const KEY_REF: &[u8] = &[7u8; 180]; // about the size of a KMS-wrapped data key
const AAD: &[u8] = b"dst_01/rec_01/email";
/// The bare reference's nonce: fixed, as a benchmark may (nothing sealed here is kept).
const NONCE: [u8; NONCE_LEN] = [9; NONCE_LEN];

fn plaintext(size: usize) -> Vec<u8> {
    vec![0x5au8; size]
}

fn bare_key(key: &DataKey) -> LessSafeKey {
    LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key.expose()).expect("AES-256 key"))
}

/// Encrypts `pt` into `out` (`pt.len() + TAG_LEN` long): ciphertext, then tag.
fn bare_seal(key: &LessSafeKey, pt: &[u8], out: &mut [u8]) {
    key.seal_in_place_scatter(
        Nonce::assume_unique_for_key(NONCE),
        Aad::from(AAD),
        &mut [],
        pt,
        out,
    )
    .expect("seal");
}

/// Decrypts `ct_and_tag` into `out` (`TAG_LEN` shorter).
fn bare_open(key: &LessSafeKey, ct_and_tag: &[u8], out: &mut [u8]) {
    let (ct, tag) = ct_and_tag.split_at(ct_and_tag.len() - TAG_LEN);
    key.open_separate_gather(
        Nonce::assume_unique_for_key(NONCE),
        Aad::from(AAD),
        ct,
        tag,
        out,
    )
    .expect("open");
}

/// v2 against the bare seal and open, aws-lc-rs both.
fn v2_against_bare(c: &mut Criterion) {
    let key = DataKey::random().expect("data key");
    let gcm = bare_key(&key);
    for (size, label) in SIZES {
        let pt = plaintext(size);
        let bytes = Throughput::Bytes(size as u64);

        // Check both round trips once, so no figure below is of a failing call.
        let sealed = Envelope::seal_with(&AwsLcGcm, &key, KEY_REF, AAD, &pt).expect("v2 seal");
        let opened = Envelope::parse(&sealed)
            .and_then(|e| e.open(&key, AAD))
            .expect("v2 open");
        assert_eq!(opened, pt);
        let mut bare_sealed = vec![0u8; size + TAG_LEN];
        bare_seal(&gcm, &pt, &mut bare_sealed);
        let mut bare_opened = vec![0u8; size];
        bare_open(&gcm, &bare_sealed, &mut bare_opened);
        assert_eq!(bare_opened, pt);

        let mut group = c.benchmark_group("envelope_v2_encrypt/aws-lc-rs");
        group.throughput(bytes.clone());
        let mut out = Vec::new();
        group.bench_with_input(BenchmarkId::from_parameter(label), &pt, |b, pt| {
            b.iter(|| Envelope::seal_into(&AwsLcGcm, &key, KEY_REF, AAD, black_box(pt), &mut out))
        });
        group.finish();

        let mut group = c.benchmark_group("bare_gcm_encrypt/aws-lc-rs");
        group.throughput(bytes.clone());
        let mut out = vec![0u8; size + TAG_LEN];
        group.bench_with_input(BenchmarkId::from_parameter(label), &pt, |b, pt| {
            b.iter(|| bare_seal(&gcm, black_box(pt), &mut out))
        });
        group.finish();

        let mut group = c.benchmark_group("envelope_v2_decrypt/aws-lc-rs");
        group.throughput(bytes.clone());
        let mut out = Vec::new();
        group.bench_with_input(BenchmarkId::from_parameter(label), &sealed, |b, ct| {
            b.iter(|| {
                Envelope::parse(black_box(ct))
                    .and_then(|e| e.open_into(&AwsLcGcm, &key, AAD, &mut out))
            })
        });
        group.finish();

        let mut group = c.benchmark_group("bare_gcm_decrypt/aws-lc-rs");
        group.throughput(bytes);
        let mut out = vec![0u8; size];
        group.bench_with_input(BenchmarkId::from_parameter(label), &bare_sealed, |b, ct| {
            b.iter(|| bare_open(&gcm, black_box(ct), &mut out))
        });
        group.finish();
    }
}

/// The bare seal and open at 1 MiB, with the ciphertext where v2 puts it: after a 247-byte header
/// (prefix, 180-byte key_ref, message id, commitment), so not 64-byte aligned as `bare_gcm_*`'s is.
/// Tells what v2's layout costs at large sizes apart from its fixed per-message cost.
fn bare_at_v2_offset(c: &mut Criterion) {
    const OFFSET: usize = 3 + 180 + MESSAGE_ID_LEN + COMMITMENT_LEN;
    const SIZE: usize = 1024 * 1024;
    let key = DataKey::random().expect("data key");
    let gcm = bare_key(&key);
    let pt = plaintext(SIZE);
    let mut group = c.benchmark_group("bare_gcm_at_v2_offset/aws-lc-rs");
    group.throughput(Throughput::Bytes(SIZE as u64));
    let mut out = vec![0u8; OFFSET + SIZE + TAG_LEN];
    group.bench_function("encrypt/1MiB", |b| {
        b.iter(|| bare_seal(&gcm, black_box(&pt), &mut out[OFFSET..]))
    });
    let sealed = out.clone();
    let mut opened = vec![0u8; SIZE];
    bare_open(&gcm, &sealed[OFFSET..], &mut opened);
    assert_eq!(opened, pt);
    group.bench_function("decrypt/1MiB", |b| {
        b.iter(|| bare_open(&gcm, black_box(&sealed[OFFSET..]), &mut opened))
    });
    group.finish();
}

/// The fixed per-message cost of v2, piece by piece (none depends on the payload's size).
fn v2_parts(c: &mut Criterion) {
    let key = DataKey::random().expect("data key");
    let message_id = [3u8; MESSAGE_ID_LEN];
    let mut group = c.benchmark_group("envelope_v2_parts");
    group.bench_function("random_message_id", |b| {
        b.iter(random::bytes::<MESSAGE_ID_LEN>)
    });
    group.bench_function("message_key_derive", |b| {
        b.iter(|| MessageKey::derive(black_box(&key), black_box(&message_id)))
    });
    group.bench_function("less_safe_key_new", |b| {
        b.iter(|| {
            LessSafeKey::new(
                UnboundKey::new(&AES_256_GCM, black_box(key.expose())).expect("AES-256 key"),
            )
        })
    });
    // The bare seal plus a key schedule per call: what `AwsLcGcm` does under the envelope.
    let pt = plaintext(1024);
    let mut out = vec![0u8; pt.len() + TAG_LEN];
    group.throughput(Throughput::Bytes(pt.len() as u64));
    group.bench_function("aws_lc_gcm_seal_into_1KiB", |b| {
        b.iter(|| AwsLcGcm.seal_into(&key, &NONCE, AAD, black_box(&pt), &mut out))
    });
    // v2 at 1 KiB as a batch seals it: message ids from a pool drawn 64 at a time.
    let mut ids = MessageIds::new();
    let mut sealed = Vec::new();
    group.bench_function("v2_seal_1KiB_pooled_message_ids", |b| {
        b.iter(|| {
            Envelope::seal_next_into(
                &mut ids,
                &AwsLcGcm,
                &key,
                KEY_REF,
                AAD,
                black_box(&pt),
                &mut sealed,
            )
        })
    });
    // A one-shot bare seal as a caller without Coffer writes it: a random nonce from the OS, the
    // key schedule, the cipher (what envelope v1 did, minus its header).
    group.bench_function("bare_gcm_one_shot_random_nonce_1KiB", |b| {
        b.iter(|| {
            let nonce = random::bytes::<NONCE_LEN>().expect("nonce");
            AwsLcGcm.seal_into(&key, &nonce, AAD, black_box(&pt), &mut out)
        })
    });
    group.finish();
}

/// The RustCrypto `aes-gcm` backend through the same v2 format.
fn v2_rustcrypto(c: &mut Criterion) {
    let key = DataKey::random().expect("data key");
    let aead: &dyn Aead256 = &RustCryptoGcm;
    let mut encrypt = c.benchmark_group("envelope_v2_encrypt/aes-gcm");
    for (size, label) in SIZES {
        encrypt.throughput(Throughput::Bytes(size as u64));
        let mut out = Vec::new();
        encrypt.bench_with_input(
            BenchmarkId::from_parameter(label),
            &plaintext(size),
            |b, pt| {
                b.iter(|| Envelope::seal_into(aead, &key, KEY_REF, AAD, black_box(pt), &mut out))
            },
        );
    }
    encrypt.finish();

    let mut decrypt = c.benchmark_group("envelope_v2_decrypt/aes-gcm");
    for (size, label) in SIZES {
        let sealed = Envelope::seal_with(aead, &key, KEY_REF, AAD, &plaintext(size)).expect("seal");
        decrypt.throughput(Throughput::Bytes(size as u64));
        let mut out = Vec::new();
        decrypt.bench_with_input(BenchmarkId::from_parameter(label), &sealed, |b, ct| {
            b.iter(|| {
                Envelope::parse(black_box(ct)).and_then(|e| e.open_into(aead, &key, AAD, &mut out))
            })
        });
    }
    decrypt.finish();
}

/// The convenience API, which allocates a new buffer per call (page faults included at 1 MiB).
fn envelope_allocating(c: &mut Criterion) {
    let key = DataKey::random().expect("data key");
    let mut group = c.benchmark_group("envelope_encrypt_allocating/aws-lc-rs");
    for (size, label) in SIZES {
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(label),
            &plaintext(size),
            |b, pt| b.iter(|| Envelope::seal(&key, KEY_REF, AAD, black_box(pt))),
        );
    }
    group.finish();
}

criterion_group!(
    benches,
    v2_against_bare,
    v2_parts,
    bare_at_v2_offset,
    v2_rustcrypto,
    envelope_allocating
);
criterion_main!(benches);
