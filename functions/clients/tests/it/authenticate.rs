//! Client authentication by a `private_key_jwt` assertion, as the `client_credentials` grant
//! calls it: a good assertion signed with the PEM the API handed out is accepted once, and every
//! other kind is refused alike.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use coffer_core::clients::ClientError;
use coffer_core::ids::{CertificateId, ClientId, OrgId};
use coffer_core::store::{StoreError, TxOp};
use coffer_core::tokens::{AccessClaims, Scopes, TokenError};
use coffer_testkit::TestApp;
use ed25519_dalek::{Signer as _, SigningKey};
use serde_json::{Value, json};

use crate::Credential;

/// Whether `assertion` is refused as an authentication failure.
async fn refused(app: &TestApp, assertion: &str, client_id: Option<&str>) -> bool {
    match crate::service(app).authenticate(assertion, client_id).await {
        Err(ClientError::Unauthenticated) => true,
        Err(other) => panic!("refused with {other:?}, not as unauthenticated"),
        Ok(_) => false,
    }
}

/// A compact JWS with `header`, signed (over the real signing input) by `key`.
fn with_header(key: &SigningKey, header: &Value, claims: &Value) -> String {
    let encode = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
    let input = format!("{}.{}", encode(header), encode(claims));
    let signature = key.sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

/// Access-token claims as the grant would issue them to `credential`.
fn access_claims(app: &TestApp, credential: &Credential) -> AccessClaims {
    let now = app.state.ports.clock.now().unix_timestamp();
    AccessClaims {
        iss: app.state.settings.tokens.issuer.clone(),
        sub: credential.client.clone(),
        aud: app.state.settings.tokens.audience.clone(),
        exp: now + 3600,
        iat: now,
        nbf: now,
        jti: crate::ulid_like(),
        scope: "vaults:read".into(),
        org: OrgId::parse(&credential.org),
        vault: None,
        client: ClientId::parse(&credential.client),
        vgen: None,
        crt: CertificateId::parse(&credential.certificate),
    }
}

async fn a_good_assertion_is_accepted_once(app: TestApp) {
    let (_, credential) = crate::credential(&app).await;
    let assertion = credential.assertion(&app);

    let client = crate::service(&app)
        .authenticate(&assertion, Some(&credential.client))
        .await
        .unwrap();
    assert_eq!(client.org.as_str(), credential.org);
    assert_eq!(client.client.as_str(), credential.client);
    assert_eq!(client.certificate.as_str(), credential.certificate);
    assert_eq!(
        client.scopes,
        Scopes::parse(
            "org:read members:read teams:read vaults:read pii:use keys:use datasets:read records:read records:write"
        )
        .unwrap()
    );

    // The grant spends the jti in its transaction: the second spend of the same assertion
    // fails, however it is presented again.
    let table = &app.state.ports.table;
    table
        .transact(vec![client.spend_assertion.clone()])
        .await
        .unwrap();
    let replayed = crate::service(&app)
        .authenticate(&assertion, None)
        .await
        .unwrap();
    let again = table.transact(vec![replayed.spend_assertion]).await;
    assert!(
        matches!(again, Err(StoreError::TransactionFailed { ref failed }) if failed == &[0]),
        "{again:?}"
    );
    let twice = table.transact(vec![client.spend_assertion]).await;
    assert!(matches!(twice, Err(StoreError::TransactionFailed { .. })));
    // A new assertion (another jti) is fine.
    let fresh = crate::service(&app)
        .authenticate(&credential.assertion(&app), None)
        .await
        .unwrap();
    table.transact(vec![fresh.spend_assertion]).await.unwrap();
}

async fn a_revoked_certificate_or_deleted_client_is_refused_and_its_tokens_revoked(app: TestApp) {
    let (owner, credential) = crate::credential(&app).await;
    let token = Some(owner.token.as_str());
    let (second, second_key) =
        crate::create_certificate(&app, &credential.org, &credential.client, &owner).await;
    let through_second = Credential {
        org: credential.org.clone(),
        client: credential.client.clone(),
        certificate: second.clone(),
        key: second_key,
    };
    let revocations = app.state.access_tokens.revocations();
    assert!(!refused(&app, &through_second.assertion(&app), None).await);
    assert!(
        !revocations
            .refuses(&access_claims(&app, &through_second))
            .await
            .unwrap()
    );

    let revoked = app
        .delete(
            &format!("{}/certificates/{second}", credential.path()),
            token,
        )
        .await;
    assert_eq!(revoked.code(), 204);
    assert!(refused(&app, &through_second.assertion(&app), None).await);
    assert!(
        revocations
            .refuses(&access_claims(&app, &through_second))
            .await
            .unwrap(),
        "tokens issued through the revoked certificate are refused"
    );
    // The client's other certificate still works, and its tokens too.
    assert!(!refused(&app, &credential.assertion(&app), None).await);
    assert!(
        !revocations
            .refuses(&access_claims(&app, &credential))
            .await
            .unwrap()
    );

    assert_eq!(app.delete(&credential.path(), token).await.code(), 204);
    assert!(refused(&app, &credential.assertion(&app), None).await);
    assert!(
        revocations
            .refuses(&access_claims(&app, &credential))
            .await
            .unwrap(),
        "every token of the deleted client is refused"
    );
}

#[tokio::test]
async fn claims_that_break_a_rule_are_refused() {
    let app = crate::spawn();
    let (_, credential) = crate::credential(&app).await;
    let now = app.state.ports.clock.now().unix_timestamp();
    let endpoint = app.state.settings.tokens.token_endpoint();
    let issuer = app.state.settings.tokens.issuer.clone();
    let good = credential.claims(&app);
    let not_canonical = format!("cli_{}", credential.client[4..].to_uppercase());
    let with = |changes: Value| {
        let mut claims = good.clone();
        for (name, value) in changes.as_object().unwrap() {
            if value.is_null() {
                claims.as_object_mut().unwrap().remove(name);
            } else {
                claims[name] = value.clone();
            }
        }
        claims
    };

    for accepted in [
        json!({"aud": issuer}),
        json!({"aud": ["https://elsewhere.example", endpoint]}),
        json!({"iat": null}),
        json!({"nbf": now, "client_id": credential.client, "scope": "vaults:read"}),
        json!({"exp": now + 300}),
    ] {
        let assertion = credential.sign(&with(accepted.clone()));
        assert!(!refused(&app, &assertion, None).await, "{accepted}");
    }
    for broken in [
        json!({"aud": "https://elsewhere.example/v1/oauth/token"}),
        json!({"aud": ["coffer"]}),
        json!({"aud": null}),
        json!({"exp": now - 60}),
        json!({"exp": now + 3600}),
        json!({"exp": null}),
        json!({"nbf": now + 120}),
        json!({"iat": now + 120}),
        json!({"jti": ""}),
        json!({"jti": "j".repeat(257)}),
        json!({"jti": null}),
        json!({"sub": "cli_01arz3ndektsv4rrffq69g5fav"}),
        json!({"iss": "cli_01arz3ndektsv4rrffq69g5fav"}),
        json!({"iss": not_canonical, "sub": not_canonical}),
        json!({"iss": null}),
    ] {
        let assertion = credential.sign(&with(broken.clone()));
        assert!(refused(&app, &assertion, None).await, "{broken}");
    }
    // The client_id parameter, when given, must name the same client.
    let assertion = credential.assertion(&app);
    assert!(refused(&app, &assertion, Some("cli_01arz3ndektsv4rrffq69g5fav")).await);
    assert!(!refused(&app, &assertion, Some(&credential.client)).await);
}

#[tokio::test]
async fn an_assertion_expires_with_the_clock() {
    let app = crate::spawn();
    let (_, credential) = crate::credential(&app).await;
    let assertion = credential.assertion(&app);
    let leeway = app.state.settings.tokens.leeway.as_secs() as i64;
    app.clock.advance(time::Duration::seconds(60 + leeway - 1));
    assert!(!refused(&app, &assertion, None).await, "within the leeway");
    app.clock.advance(time::Duration::seconds(1));
    assert!(refused(&app, &assertion, None).await);
}

#[tokio::test]
async fn a_signature_by_another_key_or_for_another_kid_is_refused() {
    let app = crate::spawn();
    let (owner, credential) = crate::credential(&app).await;
    let claims = credential.claims(&app);

    let stranger = Credential {
        key: SigningKey::from_bytes(&[9u8; 32]),
        ..clone_of(&credential)
    };
    assert!(refused(&app, &stranger.sign(&claims), None).await);

    let unknown_kid = Credential {
        certificate: "crt_01arz3ndektsv4rrffq69g5fav".into(),
        ..clone_of(&credential)
    };
    assert!(refused(&app, &unknown_kid.sign(&claims), None).await);
    let not_a_certificate = Credential {
        certificate: "key-1".into(),
        ..clone_of(&credential)
    };
    assert!(refused(&app, &not_a_certificate.sign(&claims), None).await);

    // Another client's certificate, with its own key, does not speak for this client.
    let other = crate::create_client(&app, &credential.org, &owner, json!({"name": "b"})).await;
    let (other_certificate, other_key) =
        crate::create_certificate(&app, &credential.org, &other, &owner).await;
    let borrowed = Credential {
        certificate: other_certificate,
        key: other_key,
        ..clone_of(&credential)
    };
    assert!(refused(&app, &borrowed.sign(&claims), None).await);

    // A changed payload under the original signature.
    let good = credential.sign(&claims);
    let (header, rest) = good.split_once('.').unwrap();
    let (_, signature) = rest.split_once('.').unwrap();
    let mut forged_claims = claims.clone();
    forged_claims["exp"] = json!(claims["exp"].as_i64().unwrap() + 1);
    let forged = format!(
        "{header}.{}.{signature}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged_claims).unwrap())
    );
    assert!(refused(&app, &forged, None).await);
    assert!(!refused(&app, &good, None).await);
}

#[tokio::test]
async fn headers_other_than_eddsa_with_the_certificate_as_kid_are_refused() {
    let app = crate::spawn();
    let (_, credential) = crate::credential(&app).await;
    let claims = credential.claims(&app);
    let kid = credential.certificate.as_str();
    for header in [
        json!({"alg": "none", "kid": kid}),
        json!({"alg": "HS256", "kid": kid, "typ": "JWT"}),
        json!({"alg": "RS256", "kid": kid}),
        json!({"alg": "EdDSA"}),
        json!({"alg": "EdDSA", "kid": kid, "jwk": {"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}}),
        json!({"alg": "EdDSA", "kid": kid, "jku": "https://evil.example/jwks.json"}),
        json!({"alg": "EdDSA", "kid": kid, "crit": ["exp"]}),
    ] {
        let assertion = with_header(&credential.key, &header, &claims);
        assert!(refused(&app, &assertion, None).await, "{header}");
    }
    // alg none with no signature at all.
    let encode = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
    let unsigned = format!(
        "{}.{}.",
        encode(&json!({"alg": "none", "kid": kid})),
        encode(&claims)
    );
    assert!(refused(&app, &unsigned, None).await);
    // HS256 keyed with the public key (the classic confusion).
    let hs = format!(
        "{}.{}.{}",
        encode(&json!({"alg": "HS256", "kid": kid})),
        encode(&claims),
        URL_SAFE_NO_PAD.encode([0u8; 32])
    );
    assert!(refused(&app, &hs, None).await);
    for garbage in ["", "a.b", "a.b.c", &"x".repeat(5000)] {
        assert!(refused(&app, garbage, None).await, "{garbage}");
    }
    let good = with_header(
        &credential.key,
        &json!({"alg": "EdDSA", "kid": kid}),
        &claims,
    );
    assert!(!refused(&app, &good, None).await);
}

#[tokio::test]
async fn a_client_of_a_deleted_org_is_refused() {
    let app = crate::spawn();
    let (owner, credential) = crate::credential(&app).await;
    assert!(!refused(&app, &credential.assertion(&app), None).await);
    let deleted = app
        .delete(&format!("/v1/orgs/{}", credential.org), Some(&owner.token))
        .await;
    assert_eq!(deleted.code(), 204, "{}", deleted.body);
    assert!(refused(&app, &credential.assertion(&app), None).await);
}

#[tokio::test]
async fn authentication_failures_reach_the_token_endpoint_as_invalid_client() {
    let app = crate::spawn();
    let err = crate::service(&app)
        .authenticate("not-a-jwt", None)
        .await
        .unwrap_err();
    assert!(matches!(TokenError::from(err), TokenError::InvalidClient));
}

#[tokio::test]
async fn the_spend_expires_after_the_assertion_would() {
    let app = crate::spawn();
    let (_, credential) = crate::credential(&app).await;
    let claims = credential.claims(&app);
    let client = crate::service(&app)
        .authenticate(&credential.sign(&claims), None)
        .await
        .unwrap();
    let TxOp::Put { item, .. } = &client.spend_assertion else {
        panic!("{:?}", client.spend_assertion)
    };
    let leeway = app.state.settings.tokens.leeway.as_secs() as i64;
    assert_eq!(
        item.expires_at,
        Some(claims["exp"].as_i64().unwrap() + leeway)
    );
    assert!(!format!("{item:?}").contains(claims["jti"].as_str().unwrap()));
}

fn clone_of(credential: &Credential) -> Credential {
    Credential {
        org: credential.org.clone(),
        client: credential.client.clone(),
        certificate: credential.certificate.clone(),
        key: credential.key.clone(),
    }
}

mod embedded {
    #[tokio::test]
    async fn a_good_assertion_is_accepted_once() {
        super::a_good_assertion_is_accepted_once(crate::spawn()).await;
    }

    #[tokio::test]
    async fn a_revoked_certificate_or_deleted_client_is_refused_and_its_tokens_revoked() {
        super::a_revoked_certificate_or_deleted_client_is_refused_and_its_tokens_revoked(
            crate::spawn(),
        )
        .await;
    }
}

mod aws {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_good_assertion_is_accepted_once() {
        super::a_good_assertion_is_accepted_once(crate::spawn_on_moto().await).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_revoked_certificate_or_deleted_client_is_refused_and_its_tokens_revoked() {
        super::a_revoked_certificate_or_deleted_client_is_refused_and_its_tokens_revoked(
            crate::spawn_on_moto().await,
        )
        .await;
    }
}
