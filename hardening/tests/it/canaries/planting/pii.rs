//! `pii`: detect (text, record, records), anonymize (tokenize with the org's key), deanonymize,
//! validate. Nothing these routes receive is stored (API.md "PII": they answer; only the
//! org's PII key is kept, docs/keys.md "pii key"), so every value here rests nowhere.

use serde_json::json;

use super::Scene;
use crate::canaries::driver::ok;

pub async fn plant(s: &mut Scene<'_>) {
    let d = s.d;
    let owner = s.owner.token.clone();
    let token = Some(owner.as_str());
    let text = format!(
        "Customer {} wrote from {} about card {}, ref {}",
        "Maria Lopez",
        s.c.email("pii_text_email"),
        s.c.card("pii_text_card"),
        s.c.text("pii_text_ref"),
    );
    ok(d.call(
        "POST /v1/pii/detect",
        &[],
        "",
        Some(json!({"text": text})),
        token,
    )
    .await);
    let record =
        json!({"email": s.c.email("pii_record_email"), "phone": s.c.phone("pii_record_phone")});
    ok(d.call(
        "POST /v1/pii/detect",
        &[],
        "",
        Some(json!({"record": record})),
        token,
    )
    .await);
    ok(d.call(
        "POST /v1/pii/detect",
        &[],
        "",
        Some(json!({"records": [record, {"note": s.c.text("pii_records_note")}]})),
        None,
    )
    .await);

    let anonymized = ok(d
        .call(
            "POST /v1/anonymize",
            &[],
            "",
            Some(json!({"text": text, "org_id": s.org, "operators": {"default": {"type": "tokenize"}}})),
            token,
        )
        .await);
    let tokens = anonymized.text("/text");
    let hashed = json!({"record": {"email": s.c.email("pii_hash_email")}, "org_id": s.org, "operators": {"EMAIL": {"type": "hash"}}});
    ok(d.call("POST /v1/anonymize", &[], "", Some(hashed), token)
        .await);
    ok(d.call(
        "POST /v1/anonymize",
        &[],
        "",
        Some(json!({"text": format!("card {}", s.c.card("pii_mask_card"))})),
        None,
    )
    .await);
    ok(d.call(
        "POST /v1/deanonymize",
        &[],
        "",
        Some(json!({"org_id": s.org, "text": tokens})),
        token,
    )
    .await);

    let schema = json!({"type": "object", "properties": {"age": {"type": "integer"}, "code": {"type": "string", "pattern": "^[0-9]+$"}}});
    let records = json!([
        {"age": s.c.text("validate_type"), "code": s.c.text("validate_pattern")},
        {"age": 3, "email": s.c.email("validate_valid")},
    ]);
    ok(d.call(
        "POST /v1/validate",
        &[],
        "",
        Some(json!({"schema": schema, "records": records})),
        token,
    )
    .await);
}
