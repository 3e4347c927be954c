use std::sync::Arc;
use std::time::Duration;

use coffer_core::crypto::Envelope;
use coffer_core::faults::{FaultPlan, Faulty};
use coffer_core::keys::{DataKeyCache, EncryptionContext, KeyError, KeyRing, WrappedKey};

use crate::fixtures::Backends;

super::conformance!(keys:
    a_generated_key_unwraps_with_its_context,
    another_context_cannot_unwrap,
    a_tampered_wrapped_key_cannot_unwrap,
    every_generated_key_is_new,
    envelopes_sealed_under_a_data_key_open_after_unwrapping,
    the_cache_calls_the_key_service_once_per_key_until_age_or_uses_run_out,
);

fn context(b: &Backends, purpose: &str) -> EncryptionContext {
    [
        ("tenant".to_owned(), b.ns.clone()),
        ("purpose".to_owned(), purpose.to_owned()),
    ]
    .into()
}

async fn a_generated_key_unwraps_with_its_context(b: Backends) {
    let ctx = context(&b, "dataset");
    let generated = b.keys.generate_data_key(&ctx).await.unwrap();
    assert!(!generated.wrapped.0.is_empty());
    assert_ne!(&generated.wrapped.0[..], &generated.plaintext.expose()[..]);
    let unwrapped = b
        .keys
        .unwrap_data_key(&generated.wrapped, &ctx)
        .await
        .unwrap();
    assert_eq!(unwrapped, generated.plaintext);
}

async fn another_context_cannot_unwrap(b: Backends) {
    let generated = b
        .keys
        .generate_data_key(&context(&b, "dataset"))
        .await
        .unwrap();
    for other in [context(&b, "signing"), EncryptionContext::new(), {
        let mut more = context(&b, "dataset");
        more.insert("extra".into(), "1".into());
        more
    }] {
        let err = b
            .keys
            .unwrap_data_key(&generated.wrapped, &other)
            .await
            .unwrap_err();
        assert!(matches!(err, KeyError::UnwrapFailed), "{err:?}");
    }
}

async fn a_tampered_wrapped_key_cannot_unwrap(b: Backends) {
    let ctx = context(&b, "dataset");
    let generated = b.keys.generate_data_key(&ctx).await.unwrap();
    let mut bytes = generated.wrapped.0.clone();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    let err = b
        .keys
        .unwrap_data_key(&WrappedKey(bytes), &ctx)
        .await
        .unwrap_err();
    assert!(matches!(err, KeyError::UnwrapFailed), "{err:?}");
    let err = b
        .keys
        .unwrap_data_key(&WrappedKey(vec![1, 2, 3]), &ctx)
        .await
        .unwrap_err();
    assert!(matches!(err, KeyError::UnwrapFailed), "{err:?}");
}

async fn every_generated_key_is_new(b: Backends) {
    let ctx = context(&b, "dataset");
    let a = b.keys.generate_data_key(&ctx).await.unwrap();
    let c = b.keys.generate_data_key(&ctx).await.unwrap();
    assert_ne!(a.plaintext, c.plaintext);
    assert_ne!(a.wrapped, c.wrapped);
}

async fn envelopes_sealed_under_a_data_key_open_after_unwrapping(b: Backends) {
    let ctx = context(&b, "dataset");
    let generated = b.keys.generate_data_key(&ctx).await.unwrap();
    let sealed = Envelope::seal(
        &generated.plaintext,
        &generated.wrapped.0,
        b"dst_1/rec_1/email",
        b"alice@example.com",
    )
    .unwrap();
    let envelope = Envelope::parse(&sealed).unwrap();
    let key = b
        .keys
        .unwrap_data_key(&WrappedKey(envelope.key_ref().to_vec()), &ctx)
        .await
        .unwrap();
    assert_eq!(
        envelope.open(&key, b"dst_1/rec_1/email").unwrap(),
        b"alice@example.com"
    );
}

async fn the_cache_calls_the_key_service_once_per_key_until_age_or_uses_run_out(b: Backends) {
    let counted = Arc::new(Faulty::new(Arc::clone(&b.keys), FaultPlan::fail(0.0)));
    let cache = DataKeyCache::new(
        counted.clone(),
        b.clock.clone(),
        Duration::from_secs(300),
        50,
    );
    let ctx = context(&b, "dataset");
    let generated = b.keys.generate_data_key(&ctx).await.unwrap();

    for _ in 0..50 {
        assert_eq!(
            cache
                .unwrap_data_key(&generated.wrapped, &ctx)
                .await
                .unwrap(),
            generated.plaintext
        );
    }
    assert_eq!(counted.calls(), 1, "one unwrap for 50 uses");
    cache
        .unwrap_data_key(&generated.wrapped, &ctx)
        .await
        .unwrap();
    assert_eq!(counted.calls(), 2, "uses ran out");

    b.clock.advance(time::Duration::seconds(301));
    cache
        .unwrap_data_key(&generated.wrapped, &ctx)
        .await
        .unwrap();
    assert_eq!(counted.calls(), 3, "age ran out");

    // A context the cache has not seen goes to the key service, and fails there.
    let err = cache
        .unwrap_data_key(&generated.wrapped, &context(&b, "other"))
        .await
        .unwrap_err();
    assert!(matches!(err, KeyError::UnwrapFailed));
    assert_eq!(counted.calls(), 4);
}
