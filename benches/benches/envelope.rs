//! Envelope encryption (AES-256-GCM) at 1 KiB, 100 KiB and 1 MiB, with the aws-lc-rs backend Coffer
//! uses and the RustCrypto `aes-gcm` crate for comparison. Buffers are reused, as `openssl speed`
//! does, so the figures compare the cipher and the format, not the allocator.

use std::hint::black_box;

use coffer_core::crypto::{Aead256, AwsLcGcm, DataKey, Envelope, RustCryptoGcm};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const SIZES: [(usize, &str); 3] = [
    (1024, "1KiB"),
    (100 * 1024, "100KiB"),
    (1024 * 1024, "1MiB"),
];
const KEY_REF: &[u8] = &[7u8; 180]; // about the size of a KMS-wrapped data key
const AAD: &[u8] = b"dst_01/rec_01/email";

fn envelope(c: &mut Criterion) {
    let Ok(key) = DataKey::random() else { return };
    let backends: [(&str, &dyn Aead256); 2] =
        [("aws-lc-rs", &AwsLcGcm), ("aes-gcm", &RustCryptoGcm)];
    for (backend, aead) in backends {
        let mut encrypt = c.benchmark_group(format!("envelope_encrypt/{backend}"));
        for (size, label) in SIZES {
            let plaintext = vec![0x5au8; size];
            encrypt.throughput(Throughput::Bytes(size as u64));
            let mut out = Vec::new();
            encrypt.bench_with_input(BenchmarkId::from_parameter(label), &plaintext, |b, pt| {
                b.iter(|| Envelope::seal_into(aead, &key, KEY_REF, AAD, black_box(pt), &mut out))
            });
        }
        encrypt.finish();

        let mut decrypt = c.benchmark_group(format!("envelope_decrypt/{backend}"));
        for (size, label) in SIZES {
            let Ok(sealed) = Envelope::seal_with(aead, &key, KEY_REF, AAD, &vec![0x5au8; size])
            else {
                return;
            };
            decrypt.throughput(Throughput::Bytes(size as u64));
            let mut out = Vec::new();
            decrypt.bench_with_input(BenchmarkId::from_parameter(label), &sealed, |b, ct| {
                b.iter(|| {
                    Envelope::parse(black_box(ct))
                        .and_then(|e| e.open_into(aead, &key, AAD, &mut out))
                })
            });
        }
        decrypt.finish();
    }
}

/// The convenience API, which allocates a new buffer per call (page faults included at 1 MiB).
fn envelope_allocating(c: &mut Criterion) {
    let Ok(key) = DataKey::random() else { return };
    let mut group = c.benchmark_group("envelope_encrypt_allocating/aws-lc-rs");
    for (size, label) in SIZES {
        let plaintext = vec![0x5au8; size];
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(label), &plaintext, |b, pt| {
            b.iter(|| Envelope::seal(&key, KEY_REF, AAD, black_box(pt)))
        });
    }
    group.finish();
}

criterion_group!(benches, envelope, envelope_allocating);
criterion_main!(benches);
