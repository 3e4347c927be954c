//! Checkpoints on demand: `POST` signs every chain head of the org as it is (audited), `GET`
//! lists them newest first, and an auditor checks a checkpoint's JWS offline with a JOSE
//! library that is not ours (`jsonwebtoken`), knowing only the published audit key.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use coffer_core::audit::signing_key::AuditKeys;
use coffer_core::store::schema;
use coffer_testkit::TestApp;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde_json::{Value, json};

use crate::{Spec, checkpoint, plant, tick};

/// The claims of `jws`, if `key` signed it (EdDSA); no expiry or other registered claim is
/// expected: a checkpoint never expires.
fn verified_with(jws: &str, key: &DecodingKey) -> Result<Value, jsonwebtoken::errors::Error> {
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_aud = false;
    decode::<Value>(jws, key, &validation).map(|data| data.claims)
}

/// What the checkpoint reply says its JWS signs (a chain without events has no `event_id`
/// there; the reply says `null`).
fn claims_of(made: &Value) -> Value {
    let mut heads = made["heads"].clone();
    for head in heads.as_array_mut().unwrap() {
        if head["event_id"].is_null() {
            head.as_object_mut().unwrap().remove("event_id");
        }
    }
    json!({"id": made["id"], "scope": made["scope"], "time": made["time"], "heads": heads})
}

/// The claims a JWS carries, whoever signed it.
fn payload_of(jws: &str) -> Value {
    let payload = jws.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

async fn a_checkpoint_signs_every_chain_head_and_is_listed_newest_first(app: TestApp) {
    let w = app.org_with_every_role().await;
    for action in ["orgs.vault.create", "records.read", "keys.decrypt"] {
        let spec = Spec {
            action,
            actor: &w.admin.id,
            resource: "vlt_01aaaaaaaaaaaaaaaaaaaaaaaa",
        };
        plant(&app, &w.id, spec, None).await;
    }
    let links = app.audit_links(&w.id).await;

    let first = checkpoint(&app, &w.id, &w.admin).await;
    assert!(first["id"].as_str().unwrap().starts_with("cpt_"), "{first}");
    assert_eq!(first["scope"], w.id.as_str());
    assert!(
        first["kid"].as_str().unwrap().starts_with("audit-"),
        "{first}"
    );
    let heads = first["heads"].as_array().unwrap();
    assert_eq!(heads.len(), 16);
    // each head is its chain's last link at that moment: seq, hash and event
    let mut signed = 0;
    for (shard, head) in heads.iter().enumerate() {
        assert_eq!(head["shard"], shard, "{head}");
        let chain: Vec<_> = links
            .iter()
            .filter(|item| item.key.pk == schema::audit_chain_partition(&w.id, shard as u8))
            .collect();
        assert_eq!(head["seq"], chain.len(), "{head}");
        signed += chain.len();
        match chain.iter().max_by_key(|item| item.key.sk.clone()) {
            Some(last) => {
                assert_eq!(head["hash"], last.attrs["hash"], "{head}");
                assert_eq!(head["event_id"], last.attrs["id"], "{head}");
            }
            None => {
                assert_eq!(head["hash"], URL_SAFE_NO_PAD.encode([0u8; 32]), "{head}");
                assert!(head["event_id"].is_null(), "{head}");
            }
        }
    }
    assert_eq!(signed, links.len());
    assert_eq!(
        payload_of(first["jws"].as_str().unwrap()),
        claims_of(&first)
    );

    // the checkpoint is audited: by whom, on the org, after the heads it signed
    let logged = crate::logs(&app, &w.id, "action=audit.checkpoint", &w.owner).await;
    let events = logged.body["items"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{}", logged.body);
    assert_eq!(events[0]["actor"], w.admin.id.as_str());
    assert_eq!(events[0]["resource"], w.id.as_str());
    let event_shard = events[0]["chain"]["shard"].as_u64().unwrap() as usize;
    assert_eq!(
        events[0]["chain"]["seq"],
        heads[event_shard]["seq"].as_u64().unwrap() + 1
    );

    tick(&app);
    let second = checkpoint(&app, &w.id, &w.owner).await;
    let listed = app
        .get(
            &format!("/v1/audit/checkpoints?org_id={}", w.id),
            Some(&w.admin.token),
        )
        .await;
    assert_eq!(listed.code(), 200, "{}", listed.body);
    assert_eq!(
        listed.body["items"],
        json!([second, first]),
        "newest first, as written"
    );
    assert!(listed.body["next_cursor"].is_null());

    let page = app
        .get(
            &format!("/v1/audit/checkpoints?org_id={}&limit=1", w.id),
            Some(&w.owner.token),
        )
        .await;
    assert_eq!(page.body["items"], json!([second]));
    let cursor = page.text("/next_cursor");
    let next = app
        .get(
            &format!(
                "/v1/audit/checkpoints?org_id={}&limit=1&cursor={cursor}",
                w.id
            ),
            Some(&w.owner.token),
        )
        .await;
    assert_eq!(next.code(), 200, "{}", next.body);
    assert_eq!(next.body["items"], json!([first]));
}

async fn a_checkpoint_jws_verifies_offline_with_the_published_audit_key(app: TestApp) {
    let (owner, org) = crate::owner_and_org(&app).await;
    let made = checkpoint(&app, &org, &owner).await;
    let listed = app
        .get(
            &format!("/v1/audit/checkpoints?org_id={org}"),
            Some(&owner.token),
        )
        .await;
    let jws = listed.body["items"][0]["jws"].as_str().unwrap().to_owned();
    let header = decode_header(&jws).unwrap();
    assert_eq!(header.alg, Algorithm::EdDSA);
    assert_eq!(header.typ.as_deref(), Some("coffer-audit-checkpoint"));
    let kid = header.kid.unwrap();
    assert_eq!(kid, made["kid"].as_str().unwrap());

    let keys = AuditKeys::new(
        app.state.ports.table.clone(),
        app.state.ports.keys.clone(),
        app.state.ports.clock.clone(),
    )
    .published()
    .await
    .unwrap();
    let key = keys
        .iter()
        .find(|key| key.kid == kid)
        .expect("the kid is published");
    let x = URL_SAFE_NO_PAD.encode(key.public.as_bytes());
    let claims = verified_with(&jws, &DecodingKey::from_ed_components(&x).unwrap()).unwrap();
    assert_eq!(claims, claims_of(&made));

    // a changed head no longer verifies
    let mut parts: Vec<String> = jws.split('.').map(str::to_owned).collect();
    let mut forged = claims.clone();
    forged["heads"][0]["seq"] = json!(99);
    parts[1] = URL_SAFE_NO_PAD.encode(forged.to_string());
    let refused = verified_with(
        &parts.join("."),
        &DecodingKey::from_ed_components(&x).unwrap(),
    );
    assert_eq!(
        refused.unwrap_err().kind(),
        &jsonwebtoken::errors::ErrorKind::InvalidSignature
    );
}

/// What the auditor is told to do (docs/audit.md): fetch the JWKS, take the key with the
/// checkpoint's `kid` and `use: audit`, verify.
async fn a_checkpoint_jws_verifies_with_the_jwks_entry_of_use_audit(app: TestApp) {
    let (owner, org) = crate::owner_and_org(&app).await;
    let made = checkpoint(&app, &org, &owner).await;
    let jws = made["jws"].as_str().unwrap();
    let kid = decode_header(jws).unwrap().kid.unwrap();

    let jwks = app.jwks().await.body;
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|key| key["kid"] == kid.as_str())
        .unwrap_or_else(|| panic!("the JWKS lists the audit key {kid}: {jwks}"));
    assert_eq!(jwk["use"], "audit", "{jwk}");
    assert_eq!(jwk["kty"], "OKP", "{jwk}");
    assert_eq!(jwk["crv"], "Ed25519", "{jwk}");
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwk.clone()).unwrap();
    let claims = verified_with(jws, &DecodingKey::from_jwk(&jwk).unwrap()).unwrap();
    assert_eq!(claims, claims_of(&made));
    // and no token-signing key (`use: sig`) verifies it
    for other in jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|key| key["use"] == "sig")
    {
        let other: jsonwebtoken::jwk::Jwk = serde_json::from_value(other.clone()).unwrap();
        let key = DecodingKey::from_jwk(&other).unwrap();
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        assert!(decode::<Value>(jws, &key, &validation).is_err());
    }
}

on_both_backends!(
    a_checkpoint_signs_every_chain_head_and_is_listed_newest_first,
    a_checkpoint_jws_verifies_offline_with_the_published_audit_key,
    a_checkpoint_jws_verifies_with_the_jwks_entry_of_use_audit,
);
