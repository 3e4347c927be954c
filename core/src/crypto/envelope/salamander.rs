//! The "invisible salamanders" attack (Dodis, Grubbs, Ristenpart, Woodage 2018; Len, Grubbs,
//! Ristenpart 2021): whoever knows two AES-GCM keys can make one ciphertext and tag that both
//! open, each to a different plaintext. GCM's tag is linear in the ciphertext blocks over
//! GF(2^128), so one free ciphertext block solves the equation "tag under key 1 = tag under
//! key 2". A v1 envelope is plain AES-GCM under the data key and falls to it; v2 derives the
//! message key and a commitment from the data key, and the commitment refuses the second key.

use aes::cipher::{BlockEncrypt, KeyInit};

use super::v1::EnvelopeV1;
use super::{Envelope, PREFIX_LEN, Prefix};
use crate::crypto::{
    Aead256, AwsLcGcm, COMMITMENT_LEN, CryptoError, DataKey, MESSAGE_ID_LEN, MessageKey, NONCE_LEN,
    TAG_LEN,
};

/// Multiplication in GCM's field (NIST SP 800-38D, algorithm 1; bit 0 is the leftmost).
fn gf_mul(x: u128, y: u128) -> u128 {
    const R: u128 = 0xE1 << 120;
    let (mut z, mut v) = (0u128, y);
    for i in 0..128 {
        if (x >> (127 - i)) & 1 == 1 {
            z ^= v;
        }
        v = if v & 1 == 1 { (v >> 1) ^ R } else { v >> 1 };
    }
    z
}

fn gf_pow(mut base: u128, mut exponent: u128) -> u128 {
    let mut acc = 1u128 << 127; // the field's one
    while exponent > 0 {
        if exponent & 1 == 1 {
            acc = gf_mul(acc, base);
        }
        base = gf_mul(base, base);
        exponent >>= 1;
    }
    acc
}

/// The inverse of a non-zero element: a^(2^128 - 2).
fn gf_inverse(a: u128) -> u128 {
    gf_pow(a, u128::MAX - 1)
}

fn aes_block(key: &DataKey, block: [u8; 16]) -> u128 {
    let cipher = aes::Aes256::new_from_slice(key.expose()).unwrap();
    let mut block = aes::Block::from(block);
    cipher.encrypt_block(&mut block);
    u128::from_be_bytes(block.into())
}

fn blocks(bytes: &[u8]) -> impl Iterator<Item = u128> + '_ {
    bytes.chunks(16).map(|chunk| {
        let mut block = [0u8; 16];
        block[..chunk.len()].copy_from_slice(chunk);
        u128::from_be_bytes(block)
    })
}

fn ghash(h: u128, aad: &[u8], ciphertext: &[u8]) -> u128 {
    let lengths = ((aad.len() as u128 * 8) << 64) | (ciphertext.len() as u128 * 8);
    blocks(aad)
        .chain(blocks(ciphertext))
        .chain(std::iter::once(lengths))
        .fold(0, |y, x| gf_mul(y ^ x, h))
}

/// A ciphertext (with its tag) of `len_blocks` blocks that AES-GCM opens under both keys with
/// `nonce` and `aad`: the first block is solved for, the rest are zero.
fn collide(
    k1: &DataKey,
    k2: &DataKey,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    len_blocks: usize,
) -> Vec<u8> {
    let mut j0 = [0u8; 16];
    j0[..NONCE_LEN].copy_from_slice(nonce);
    j0[15] = 1;
    let (h1, h2) = (aes_block(k1, [0; 16]), aes_block(k2, [0; 16]));
    let (p1, p2) = (aes_block(k1, j0), aes_block(k2, j0));
    let mut ciphertext = vec![0u8; 16 * len_blocks];
    let (g1, g2) = (ghash(h1, aad, &ciphertext), ghash(h2, aad, &ciphertext));
    let exponent = len_blocks as u128 + 1; // the first ciphertext block's power of H
    let (h1e, h2e) = (gf_pow(h1, exponent), gf_pow(h2, exponent));
    let first = gf_mul(g1 ^ p1 ^ g2 ^ p2, gf_inverse(h1e ^ h2e));
    ciphertext[..16].copy_from_slice(&first.to_be_bytes());
    let tag = ghash(h1, aad, &ciphertext) ^ p1;
    assert_eq!(
        tag,
        ghash(h2, aad, &ciphertext) ^ p2,
        "the construction holds"
    );
    ciphertext.extend_from_slice(&tag.to_be_bytes());
    ciphertext
}

fn opens(
    key: &DataKey,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    sealed: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let mut out = vec![0u8; sealed.len() - TAG_LEN];
    AwsLcGcm.open_into(key, nonce, aad, sealed, &mut out)?;
    Ok(out)
}

#[test]
fn the_field_arithmetic_is_gcms() {
    // Checked against the library: a GHASH-built tag is the tag aws-lc computes.
    let key = DataKey::from_slice(&[3; 32]).unwrap();
    let nonce = [5u8; NONCE_LEN];
    let mut sealed = vec![0u8; 40 + TAG_LEN];
    AwsLcGcm
        .seal_into(&key, &nonce, b"some aad", &[7u8; 40], &mut sealed)
        .unwrap();
    let mut j0 = [0u8; 16];
    j0[..NONCE_LEN].copy_from_slice(&nonce);
    j0[15] = 1;
    let tag = ghash(aes_block(&key, [0; 16]), b"some aad", &sealed[..40]) ^ aes_block(&key, j0);
    assert_eq!(&sealed[40..], &tag.to_be_bytes());
    let a = 0x1234_5678_9abc_def0_0fed_cba9_8765_4321u128;
    assert_eq!(gf_mul(a, gf_inverse(a)), 1u128 << 127);
}

#[test]
fn plain_aes_gcm_opens_one_crafted_ciphertext_under_two_keys() {
    let (k1, k2) = (DataKey::random().unwrap(), DataKey::random().unwrap());
    let nonce = [0u8; NONCE_LEN];
    let sealed = collide(&k1, &k2, &nonce, b"context", 4);
    let (one, two) = (
        opens(&k1, &nonce, b"context", &sealed).unwrap(),
        opens(&k2, &nonce, b"context", &sealed).unwrap(),
    );
    assert_ne!(one, two, "one ciphertext, two different plaintexts");
}

#[test]
fn a_v1_envelope_falls_to_the_attack() {
    let (k1, k2) = (DataKey::random().unwrap(), DataKey::random().unwrap());
    let nonce = [1u8; NONCE_LEN];
    let mut envelope = EnvelopeV1::seal_with_nonce(&k1, b"ref", &nonce, b"", &[0u8; 64]).unwrap();
    let header_len = PREFIX_LEN + 3;
    let crafted = collide(&k1, &k2, &nonce, &envelope[..header_len], 4);
    envelope.truncate(header_len + NONCE_LEN);
    envelope.extend_from_slice(&crafted);
    let parsed = Envelope::parse(&envelope).unwrap();
    assert_eq!(parsed.version(), 1);
    assert!(parsed.open(&k1, b"").is_ok());
    assert!(parsed.open(&k2, b"").is_ok(), "v1 is not key-committing");
}

#[test]
fn a_v2_envelope_opens_under_exactly_one_key_even_when_crafted_for_two() {
    let (k1, k2) = (DataKey::random().unwrap(), DataKey::random().unwrap());
    // The attacker knows both data keys, so both message keys for a message id of their choice,
    // and crafts a body that AES-GCM opens under both with the v2 header as associated data.
    let message_id = [9u8; MESSAGE_ID_LEN];
    let (m1, m2) = (
        MessageKey::derive(&k1, &message_id).unwrap(),
        MessageKey::derive(&k2, &message_id).unwrap(),
    );
    let mut envelope = vec![0u8; PREFIX_LEN + 3];
    Prefix::write(super::v2::VERSION, b"ref", &mut envelope).unwrap();
    envelope.extend_from_slice(&message_id);
    envelope.extend_from_slice(&m1.commitment);
    let header_len = envelope.len();
    assert_eq!(header_len, PREFIX_LEN + 3 + MESSAGE_ID_LEN + COMMITMENT_LEN);
    let crafted = collide(&m1.key, &m2.key, &[0; NONCE_LEN], &envelope, 4);
    assert!(
        opens(&m2.key, &[0; NONCE_LEN], &envelope, &crafted).is_ok(),
        "GCM alone would open it under the second key"
    );
    envelope.extend_from_slice(&crafted);

    let parsed = Envelope::parse(&envelope).unwrap();
    assert_eq!(parsed.version(), 2);
    assert!(parsed.open(&k1, b"").is_ok());
    assert!(
        matches!(parsed.open(&k2, b""), Err(CryptoError::Decrypt)),
        "the commitment names one key"
    );

    // Nor can the attacker swap in the second key's commitment: the body was bound to the first.
    let mut swapped = envelope.clone();
    swapped[header_len - COMMITMENT_LEN..header_len].copy_from_slice(&m2.commitment);
    let parsed = Envelope::parse(&swapped).unwrap();
    assert!(parsed.open(&k1, b"").is_err());
    assert!(parsed.open(&k2, b"").is_err());
}
