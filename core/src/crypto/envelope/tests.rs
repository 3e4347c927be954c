use proptest::prelude::*;

use super::v1::EnvelopeV1;
use super::*;
use crate::crypto::RustCryptoGcm;

fn key() -> DataKey {
    DataKey::random().unwrap()
}

#[test]
fn new_envelopes_are_version_two() {
    let sealed = Envelope::seal(&key(), b"ref", b"", b"x").unwrap();
    assert_eq!(sealed[0], 2);
    assert_eq!(ENVELOPE_VERSION, 2);
    assert_eq!(Envelope::parse(&sealed).unwrap().version(), 2);
    assert!(Envelope::parse(&sealed).unwrap().is_key_committing());
}

#[test]
fn envelopes_sealed_from_one_pool_of_message_ids_open_and_never_share_an_id() {
    let k = key();
    let mut ids = MessageIds::new();
    let mut seen = std::collections::HashSet::new();
    let mut sealed = Vec::new();
    for i in 0..200u32 {
        let plaintext = i.to_be_bytes();
        Envelope::seal_next_into(
            &mut ids,
            &AwsLcGcm,
            &k,
            b"ref",
            b"aad",
            &plaintext,
            &mut sealed,
        )
        .unwrap();
        let Envelope::V2(v2) = Envelope::parse(&sealed).unwrap() else {
            panic!("a v2 envelope")
        };
        assert!(seen.insert(v2.message_id()));
        assert_eq!(
            Envelope::parse(&sealed).unwrap().open(&k, b"aad").unwrap(),
            plaintext
        );
    }
}

#[test]
fn version_one_envelopes_still_open() {
    let k = key();
    let sealed = EnvelopeV1::seal(&k, b"ref", b"aad", b"written before v2").unwrap();
    let envelope = Envelope::parse(&sealed).unwrap();
    assert_eq!(envelope.version(), 1);
    assert!(!envelope.is_key_committing());
    assert_eq!(envelope.key_ref(), b"ref");
    assert_eq!(envelope.open(&k, b"aad").unwrap(), b"written before v2");
    assert!(matches!(
        envelope.open(&k, b"other"),
        Err(CryptoError::Decrypt)
    ));
}

#[test]
fn the_format_does_not_depend_on_the_aead_library() {
    let k = key();
    let sealed = Envelope::seal_with(&AwsLcGcm, &k, b"ref", b"ds/1/rec/2/email", b"hello").unwrap();
    let opened = Envelope::parse(&sealed)
        .unwrap()
        .open_with(&RustCryptoGcm, &k, b"ds/1/rec/2/email")
        .unwrap();
    assert_eq!(opened, b"hello");

    let sealed = Envelope::seal_with(&RustCryptoGcm, &k, b"ref", b"aad", b"world").unwrap();
    let opened = Envelope::parse(&sealed)
        .unwrap()
        .open_with(&AwsLcGcm, &k, b"aad")
        .unwrap();
    assert_eq!(opened, b"world");
}

#[test]
fn reused_buffers_of_any_size_give_the_same_results() {
    let k = key();
    let (mut sealed, mut opened) = (Vec::new(), Vec::new());
    for plaintext in [
        &b"a much longer first payload"[..],
        b"short",
        b"",
        b"the same length!",
        b"the same length?",
    ] {
        Envelope::seal_into(&AwsLcGcm, &k, b"ref", b"aad", plaintext, &mut sealed).unwrap();
        assert_eq!(
            Envelope::parse(&sealed).unwrap().open(&k, b"aad").unwrap(),
            plaintext
        );
        Envelope::parse(&sealed)
            .unwrap()
            .open_into(&RustCryptoGcm, &k, b"aad", &mut opened)
            .unwrap();
        assert_eq!(opened, plaintext);
    }
    let err = Envelope::parse(&sealed)
        .unwrap()
        .open_into(&AwsLcGcm, &k, b"other", &mut opened);
    assert!(err.is_err());
    assert!(opened.is_empty(), "nothing unauthenticated is left behind");
}

#[test]
fn a_ciphertext_moved_to_another_place_or_key_fails() {
    let k = key();
    let sealed = Envelope::seal(&k, b"ref", b"rec_1/email", b"secret").unwrap();
    let env = Envelope::parse(&sealed).unwrap();
    assert!(matches!(
        env.open(&k, b"rec_2/email"),
        Err(CryptoError::Decrypt)
    ));
    assert!(matches!(
        env.open(&key(), b"rec_1/email"),
        Err(CryptoError::Decrypt)
    ));
}

#[test]
fn the_key_ref_is_authenticated() {
    let k = key();
    let mut sealed = Envelope::seal(&k, b"ref-a", b"", b"secret").unwrap();
    sealed[3] = b'X';
    assert!(matches!(
        Envelope::parse(&sealed).unwrap().open(&k, b""),
        Err(CryptoError::Decrypt)
    ));
}

#[test]
fn malformed_truncated_and_unknown_versions_are_refused() {
    assert!(matches!(Envelope::parse(&[]), Err(CryptoError::Malformed)));
    assert!(matches!(
        Envelope::parse(&[3, 0, 0]),
        Err(CryptoError::UnsupportedVersion(3))
    ));
    assert!(matches!(
        Envelope::parse(&[0, 0, 0]),
        Err(CryptoError::UnsupportedVersion(0))
    ));
    assert!(matches!(
        Envelope::parse(&[1, 0, 5, 1]),
        Err(CryptoError::Malformed)
    ));
    assert!(matches!(
        Envelope::parse(&[2, 0, 5, 1]),
        Err(CryptoError::Malformed)
    ));
    let sealed = Envelope::seal(&key(), b"ref", b"", b"").unwrap();
    for cut in 0..sealed.len() {
        assert!(
            matches!(Envelope::parse(&sealed[..cut]), Err(CryptoError::Malformed)),
            "cut at {cut}"
        );
    }
}

proptest! {
    #[test]
    fn seal_then_open_round_trips(plaintext in proptest::collection::vec(any::<u8>(), 0..4096),
                                  key_ref in proptest::collection::vec(any::<u8>(), 0..300),
                                  aad in proptest::collection::vec(any::<u8>(), 0..64)) {
        let k = key();
        let sealed = Envelope::seal(&k, &key_ref, &aad, &plaintext).unwrap();
        let env = Envelope::parse(&sealed).unwrap();
        prop_assert_eq!(env.key_ref(), &key_ref[..]);
        prop_assert_eq!(env.open(&k, &aad).unwrap(), plaintext);
    }

    #[test]
    fn any_flipped_bit_of_either_version_fails_to_open(plaintext in proptest::collection::vec(any::<u8>(), 1..256),
                                                       v1 in any::<bool>(), pos in any::<usize>(), bit in 0u8..8) {
        let k = key();
        let mut sealed = if v1 {
            EnvelopeV1::seal(&k, b"r", b"a", &plaintext).unwrap()
        } else {
            Envelope::seal(&k, b"r", b"a", &plaintext).unwrap()
        };
        let i = pos % sealed.len();
        sealed[i] ^= 1 << bit;
        let opened = Envelope::parse(&sealed).and_then(|e| e.open(&k, b"a"));
        prop_assert!(opened.is_err());
    }

    #[test]
    fn parsing_and_opening_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..160)) {
        if let Ok(envelope) = Envelope::parse(&bytes) {
            prop_assert!(envelope.open(&key(), b"").is_err());
        }
    }
}
