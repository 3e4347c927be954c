//! Who knocks: the target org's three roles, its machine clients and a narrowed user token,
//! and everyone who must find nothing there (an outsider, no credential at all, another org's
//! admin and that org's machine client). Each is set up once, through the API.

use coffer_core::Clock as _;
use coffer_core::tokens::jws;
use coffer_testkit::{OrgWithRoles, TestApp, User};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::DecodePrivateKey as _;
use serde_json::{Value, json};

/// One column of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Who {
    Owner,
    Admin,
    Member,
    /// A signed-up, verified user in no org.
    Outsider,
    /// No credential at all.
    Anonymous,
    /// The owner-made admin of another org.
    OtherAdmin,
    /// A `client_credentials` access token of a machine client of another org, with every
    /// scope a client may hold.
    OtherMachine,
    /// A machine client of the target org with every scope a client may hold (a member's).
    Machine,
    /// A machine client of the target org whose only scope is `org:read`.
    NarrowMachine,
    /// The target org's admin with an access token bound to the org and scoped `org:read`.
    NarrowAdminToken,
    /// The target org's admin, also a member of another org, with an access token bound to
    /// that other org (every scope): it reaches nothing of the target org.
    AdminTokenForOtherOrg,
}

impl Who {
    pub const ALL: [Who; 11] = [
        Who::Owner,
        Who::Admin,
        Who::Member,
        Who::Outsider,
        Who::Anonymous,
        Who::OtherAdmin,
        Who::OtherMachine,
        Who::Machine,
        Who::NarrowMachine,
        Who::NarrowAdminToken,
        Who::AdminTokenForOtherOrg,
    ];

    /// Principals with no standing in the target org: any 2xx from them is a leak.
    pub fn is_stranger(self) -> bool {
        matches!(
            self,
            Who::Outsider
                | Who::Anonymous
                | Who::OtherAdmin
                | Who::OtherMachine
                | Who::AdminTokenForOtherOrg
        )
    }
}

/// Every principal's credential (none for [`Who::Anonymous`]).
pub struct Principals {
    pub target: OrgWithRoles,
    pub other_admin: User,
    other_machine: String,
    machine: String,
    narrow_machine: String,
    narrow_admin_token: String,
    admin_token_for_other_org: String,
}

impl Principals {
    pub async fn set_up(app: &TestApp) -> Self {
        let target = app.org_with_every_role().await;
        let other_owner = app.sign_up().await;
        let other_admin = app.sign_up().await;
        let other_org = app.create_org(&other_owner, "free").await;
        app.add_member(&other_org, &other_owner, &other_admin, "admin")
            .await;
        let other_machine = machine_token(app, &other_org, &other_owner, None).await;
        let machine = machine_token(app, &target.id, &target.owner, None).await;
        let narrow_machine =
            machine_token(app, &target.id, &target.owner, Some(json!(["org:read"]))).await;
        let narrow_admin_token = app
            .token_pair(
                &target.admin,
                json!({"org_id": target.id, "scopes": ["org:read"]}),
            )
            .await
            .access;
        app.add_member(&other_org, &other_owner, &target.admin, "member")
            .await;
        let admin_token_for_other_org = app
            .token_pair(&target.admin, json!({"org_id": other_org}))
            .await
            .access;
        Self {
            target,
            other_admin,
            other_machine,
            machine,
            narrow_machine,
            narrow_admin_token,
            admin_token_for_other_org,
        }
    }

    /// The bearer token `who` presents.
    pub fn token(&self, who: Who) -> Option<&str> {
        Some(match who {
            Who::Owner => &self.target.owner.token,
            Who::Admin => &self.target.admin.token,
            Who::Member => &self.target.member.token,
            Who::Outsider => &self.target.outsider.token,
            Who::Anonymous => return None,
            Who::OtherAdmin => &self.other_admin.token,
            Who::OtherMachine => &self.other_machine,
            Who::Machine => &self.machine,
            Who::NarrowMachine => &self.narrow_machine,
            Who::NarrowAdminToken => &self.narrow_admin_token,
            Who::AdminTokenForOtherOrg => &self.admin_token_for_other_org,
        })
    }
}

/// A machine client of `org` (with `scopes`, or the default: a member's), a certificate of it,
/// and the access token a `private_key_jwt` assertion buys at the token endpoint (RFC 7523).
async fn machine_token(app: &TestApp, org: &str, owner: &User, scopes: Option<Value>) -> String {
    let mut body = json!({"name": "tenancy-matrix"});
    if let Some(scopes) = scopes {
        body["scopes"] = scopes;
    }
    let client = app
        .post(&format!("/v1/orgs/{org}/clients"), body, Some(&owner.token))
        .await;
    assert_eq!(client.code(), 201, "{}", client.body);
    let client = client.text("/id");
    let certificate = app
        .post(
            &format!("/v1/orgs/{org}/clients/{client}/certificates"),
            json!({}),
            Some(&owner.token),
        )
        .await;
    assert_eq!(certificate.code(), 201, "{}", certificate.body);
    let key = SigningKey::from_pkcs8_pem(certificate.text("/private_key_pem").trim()).unwrap();
    let now = app.clock.now().unix_timestamp();
    let assertion = jws::sign(
        &key,
        &certificate.text("/kid"),
        "JWT",
        &json!({
            "iss": client,
            "sub": client,
            "aud": app.state.settings.tokens.token_endpoint(),
            "iat": now,
            "exp": now + 120,
            "jti": ulid::Ulid::new().to_string(),
        }),
    )
    .unwrap();
    let granted = app
        .oauth_token(&[
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &assertion),
        ])
        .await;
    assert_eq!(granted.code(), 200, "{}", granted.body);
    granted.text("/access_token")
}
