//! Access tokens against the signature under them: Ed25519 sign and strict verify with
//! ed25519-dalek on a message the size of a token's signing input, then the same through the
//! JWS layer (`jws::sign`, `Unverified::parse` + `verify`), then the whole `AccessTokens` path
//! on the embedded stack (`issue`; `verify` with the key cache, the claim checks and the
//! revocation copy). The JWT layer may add at most 50% on top of the signature itself.
//!
//! The claims are those `AccessTokens::issue` writes for a machine client bound to an org and a
//! vault: every field present (`iss sub aud exp iat nbf jti scope org vault client vgen crt`).
//!
//! `cargo bench -p coffer-benches --bench tokens`

// Setup failures should stop the bench loudly; nothing here runs in production.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Duration;

use coffer_core::ids::{CertificateId, ClientId, OrgId, VaultId};
use coffer_core::tokens::jws::{self, Unverified};
use coffer_core::tokens::{ACCESS_TOKEN_TYP, AccessClaims, AccessTokenRequest, Scopes};
use coffer_testkit::TestApp;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ed25519_dalek::{Signer as _, SigningKey};

/// What a machine client with a few scopes, bound to a vault, gets.
fn request() -> AccessTokenRequest {
    let now = time::OffsetDateTime::now_utc();
    let client = ClientId::generate(now).expect("id");
    AccessTokenRequest {
        subject: client.to_string(),
        scopes: Scopes::parse("org:read vaults:read pii:use").expect("scopes"),
        ttl: Duration::from_secs(3600),
        org: Some(OrgId::generate(now).expect("id")),
        vault: Some((VaultId::generate(now).expect("id"), 3)),
        client: Some((client, CertificateId::generate(now).expect("id"))),
    }
}

fn tokens(c: &mut Criterion) {
    let Ok(runtime) = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    else {
        return;
    };
    // The embedded stack (a manual clock that stays at the start, so the token stays valid).
    let app = TestApp::embedded(vec![]);
    let access_tokens = app.state.access_tokens.clone();
    let request = request();
    let issued = runtime
        .block_on(access_tokens.issue(&request))
        .expect("issue");
    // The first verification reads the keys and the revocation list; the benches see the copies.
    runtime
        .block_on(access_tokens.verify(&issued.token))
        .expect("the issued token verifies");

    // The same claims and kid, signed with a key of our own for the JWS layer alone.
    let parsed = Unverified::parse(&issued.token).expect("parse");
    let claims: AccessClaims = parsed.claims_unverified().expect("claims");
    let kid = parsed.kid().to_owned();
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let public = key.verifying_key();
    let token = jws::sign(&key, &kid, ACCESS_TOKEN_TYP, &claims).expect("sign");
    let (signing_input, _) = token.rsplit_once('.').expect("a compact JWS");
    let message = signing_input.as_bytes().to_vec();
    let signature = key.sign(&message);

    // The reference: the signature alone, on a message of the same size.
    let mut raw = c.benchmark_group("raw_ed25519");
    raw.throughput(Throughput::Elements(1));
    raw.bench_function("sign", |b| b.iter(|| key.sign(black_box(&message))));
    raw.bench_function("verify_strict", |b| {
        b.iter(|| public.verify_strict(black_box(&message), black_box(&signature)))
    });
    raw.finish();

    let mut layer = c.benchmark_group("jws");
    layer.throughput(Throughput::Elements(1));
    layer.bench_function("sign", |b| {
        b.iter(|| jws::sign(&key, &kid, ACCESS_TOKEN_TYP, black_box(&claims)))
    });
    layer.bench_function("verify", |b| {
        b.iter(|| {
            Unverified::parse(black_box(&token))
                .and_then(|parsed| parsed.verify::<AccessClaims>(&public))
        })
    });
    layer.finish();

    let mut full = c.benchmark_group("access_tokens");
    full.throughput(Throughput::Elements(1));
    full.bench_function("issue", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(access_tokens.issue(black_box(&request)).await) })
    });
    full.bench_function("verify", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(access_tokens.verify(black_box(&issued.token)).await) })
    });
    full.finish();
}

criterion_group!(benches, tokens);
criterion_main!(benches);
