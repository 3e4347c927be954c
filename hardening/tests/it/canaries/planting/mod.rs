//! The scenario: every route that takes sensitive input gets a canary, in the order a client
//! would send them, each file one function group. Each planting notes where the docs let the
//! value rest in clear ([`Place`]); everything else must not hold it.

mod crypto;
mod datasets;
mod identity;
mod machines;
mod malformed;
mod orgs;
mod pii;

use coffer_core::auth::outbox::MessageKind;
use coffer_core::ids::UserId;
use coffer_core::store::schema;
use serde_json::json;

use super::driver::{Driver, ok};
use super::values::{Canaries, Place};

/// A user the scenario made: id and a live CLI session.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: String,
    pub token: String,
}

/// What the scenario made, for the plantings that follow.
pub struct Scene<'a> {
    pub d: &'a Driver,
    pub c: Canaries,
    pub owner: Person,
    pub member: Person,
    pub org: String,
    pub vault: String,
}

/// What a run planted: the canaries with their allowed places, and the owner's id (which the
/// logs must hold: the capture's proof).
pub struct Planted {
    pub canaries: Canaries,
    pub owner: String,
}

/// Plants every canary through the app.
pub async fn plant_everything(d: &Driver) -> Planted {
    let mut c = Canaries::new();
    let owner = identity::owner(d, &mut c).await;
    let member = identity::registered(d, &mut c, "member").await;
    let mut scene = Scene {
        d,
        c,
        owner,
        member,
        org: String::new(),
        vault: String::new(),
    };
    orgs::plant(&mut scene).await;
    machines::plant(&mut scene).await;
    crypto::plant(&mut scene).await;
    datasets::plant(&mut scene).await;
    pii::plant(&mut scene).await;
    malformed::plant(&mut scene).await;
    audit(&scene).await;
    Planted {
        canaries: scene.c,
        owner: scene.owner.id,
    }
}

/// The audit routes read what the plantings wrote (their replies are searched like any).
async fn audit(s: &Scene<'_>) {
    let token = Some(s.owner.token.as_str());
    let org = format!("org_id={}", s.org);
    ok(s.d.call("GET /v1/audit/logs", &[], &org, None, token).await);
    ok(s.d
        .call("GET /v1/audit/verify", &[], &org, None, token)
        .await);
    s.d.call("POST /v1/audit/checkpoints", &[], &org, None, token)
        .await;
    ok(s.d
        .call("GET /v1/audit/checkpoints", &[], &org, None, token)
        .await);
    ok(s.d
        .call("GET /v1/auth/activity", &[], "", None, token)
        .await);
}

/// The code of the newest `kind` message to `recipient`, as the mailer would open it; a
/// canary named `field` that may sit in the mail folder.
pub async fn mailed(
    d: &Driver,
    c: &mut Canaries,
    recipient: &str,
    kind: MessageKind,
    field: &str,
) -> String {
    let code = d.app.mailed_code(recipient, kind).await;
    c.issued(field, &code);
    c.allow(field, Place::Mail);
    code
}

/// A user's profile item (API.md "Identity": the profile holds id, email, name; docs/keys.md
/// "user profile").
pub fn profile(user: &str) -> Place {
    Place::Item(schema::user_profile(&UserId::parse(user).unwrap()))
}

/// `{"email": .., "password": ..}` and friends.
pub fn credentials(email: &str, password: &str) -> serde_json::Value {
    json!({"email": email, "password": password, "client": "cli"})
}
