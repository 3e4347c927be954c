//! `orgs`: the org, members (one by address, one invited), teams, vaults. Names a user chose
//! rest in clear in their own item (docs/keys.md: org "name", team "name", vault "name"; the
//! uniqueness items hold only a digest of the lower-cased name); an invited address in its
//! invitation (docs/keys.md "invitation": "email (and its hmac ...)").

use coffer_core::ids::{InvitationId, OrgId, TeamId, VaultId};
use coffer_core::store::schema;
use serde_json::json;

use super::Scene;
use crate::canaries::driver::ok;
use crate::canaries::values::Place;

pub async fn plant(s: &mut Scene<'_>) {
    let (d, token) = (s.d, Some(s.owner.token.clone()));
    let token = token.as_deref();
    let name = s.c.text("org_name");
    let org = ok(d
        .call(
            "POST /v1/orgs",
            &[],
            "",
            Some(json!({"name": name, "tier": "pro"})),
            token,
        )
        .await)
    .text("/id");
    let org_id = OrgId::parse(&org).unwrap();
    s.c.allow("org_name", Place::Item(schema::org(&org_id)));
    let renamed = s.c.text("org_name_new");
    s.c.allow("org_name_new", Place::Item(schema::org(&org_id)));
    // The invitation mail names the org it invites to (API.md "Organizations": "an invitation
    // mail goes through the outbox").
    s.c.allow("org_name_new", Place::Mail);
    ok(d.call(
        "PATCH /v1/orgs/{org}",
        &[&org],
        "",
        Some(json!({"name": renamed})),
        token,
    )
    .await);
    ok(d.call("GET /v1/orgs/{org}", &[&org], "", None, token).await);
    ok(d.call("GET /v1/orgs", &[], "", None, token).await);

    let member_email = s.c.value("member_email").to_owned() + "@example.com";
    ok(d.call(
        "POST /v1/orgs/{org}/members",
        &[&org],
        "",
        Some(json!({"email": member_email, "role": "member"})),
        token,
    )
    .await);
    ok(d.call(
        "PATCH /v1/orgs/{org}/members/{user}",
        &[&org, &s.member.id],
        "",
        Some(json!({"role": "admin"})),
        token,
    )
    .await);
    ok(
        d.call("GET /v1/orgs/{org}/members", &[&org], "", None, token)
            .await,
    );

    let invitee = s.c.email("invitee_email");
    let invited = ok(d
        .call(
            "POST /v1/orgs/{org}/members",
            &[&org],
            "",
            Some(json!({"email": invitee, "role": "member"})),
            token,
        )
        .await);
    let invitation = invited.text("/invitation/id");
    s.c.allow(
        "invitee_email",
        Place::Item(schema::invitation(
            &org_id,
            &InvitationId::parse(&invitation).unwrap(),
        )),
    );
    s.c.allow("invitee_email", Place::Mail);
    ok(
        d.call("GET /v1/orgs/{org}/invitations", &[&org], "", None, token)
            .await,
    );

    let team_name = s.c.text("team_name");
    let team = ok(d
        .call(
            "POST /v1/orgs/{org}/teams",
            &[&org],
            "",
            Some(json!({"name": team_name})),
            token,
        )
        .await)
    .text("/id");
    s.c.allow(
        "team_name",
        Place::Item(schema::team(&org_id, &TeamId::parse(&team).unwrap())),
    );
    ok(d.call(
        "POST /v1/orgs/{org}/teams/{team}/members",
        &[&org, &team],
        "",
        Some(json!({"user_id": s.member.id})),
        token,
    )
    .await);
    ok(d.call(
        "GET /v1/orgs/{org}/teams/{team}/members",
        &[&org, &team],
        "",
        None,
        token,
    )
    .await);

    let vault_name = s.c.text("vault_name");
    let vault = ok(d
        .call(
            "POST /v1/orgs/{org}/vaults",
            &[&org],
            "",
            Some(json!({"name": vault_name})),
            token,
        )
        .await)
    .text("/id");
    s.c.allow(
        "vault_name",
        Place::Item(schema::vault(&org_id, &VaultId::parse(&vault).unwrap())),
    );
    ok(d.call(
        "GET /v1/orgs/{org}/vaults/{vault}",
        &[&org, &vault],
        "",
        None,
        token,
    )
    .await);
    s.org = org;
    s.vault = vault;
}
