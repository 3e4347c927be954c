//! Users and orgs made through the API, as a client would make them.

use std::net::IpAddr;

use axum::http::StatusCode;
use serde_json::json;

use crate::TestApp;

/// A signed-up user with a CLI session.
#[derive(Debug, Clone)]
pub struct User {
    pub email: String,
    pub password: String,
    pub token: String,
    pub id: String,
}

/// An org with one user of each role, and a signed-up user who is not a member.
#[derive(Debug, Clone)]
pub struct OrgWithRoles {
    pub id: String,
    pub owner: User,
    pub admin: User,
    pub member: User,
    pub outsider: User,
}

/// A documentation-range IPv6 address in a /64 of its own, so that tests sharing the emulator
/// never share a rate-limit bucket.
pub fn random_ip() -> IpAddr {
    let n = ulid::Ulid::new().random();
    IpAddr::from([
        0x2001,
        0x0db8,
        (n >> 32) as u16,
        (n >> 16) as u16,
        n as u16,
        0,
        0,
        1,
    ])
}

/// An address no other test uses.
pub fn unique_email() -> String {
    format!(
        "user-{}@example.com",
        ulid::Ulid::new().to_string().to_lowercase()
    )
}

/// A password the policy accepts, different each time.
pub fn strong_password() -> String {
    format!(
        "Walnut-Orbit-{}-Falcon",
        &ulid::Ulid::new().to_string()[16..]
    )
}

impl TestApp {
    /// Registers a new user (from an IP of its own, so registration limits never bite), logs
    /// in from the CLI and verifies the address.
    pub async fn sign_up(&self) -> User {
        let user = self.sign_up_unverified().await;
        self.verify_email(&user).await;
        user
    }

    /// Asks for a verification code, reads it from the outbox (sealed: opened here as the
    /// mailer would) and confirms it, so the user owns their address.
    pub async fn verify_email(&self, user: &User) {
        // From an IP of its own, so the per-IP quota on verification requests never bites.
        let asked = self
            .send_from(
                random_ip(),
                crate::app::json_request(
                    axum::http::Method::POST,
                    "/v1/auth/email/verify/request",
                    Some(json!({})),
                    Some(&user.token),
                ),
            )
            .await;
        assert_eq!(asked.status, StatusCode::ACCEPTED, "{}", asked.body);
        let code = self
            .mailed_code(
                &user.id,
                coffer_core::auth::outbox::MessageKind::VerifyEmail,
            )
            .await;
        let confirmed = self
            .post(
                "/v1/auth/email/verify/confirm",
                json!({"token": code}),
                Some(&user.token),
            )
            .await;
        assert_eq!(
            confirmed.status,
            StatusCode::NO_CONTENT,
            "{}",
            confirmed.body
        );
    }

    /// The code in the newest message of `kind` to `recipient` (a user or invitation id), read
    /// from the outbox as the mailer would open it.
    pub async fn mailed_code(
        &self,
        recipient: &str,
        kind: coffer_core::auth::outbox::MessageKind,
    ) -> String {
        let outbox = coffer_core::auth::TableOutbox::new(
            self.state.ports.table.clone(),
            self.state.ports.keys.clone(),
        );
        let messages = outbox.messages_for(recipient, 100).await.unwrap();
        messages
            .iter()
            .filter(|m| m.kind == kind)
            .find_map(|m| {
                m.text
                    .lines()
                    .find_map(|line| line.split_once("code: ").map(|(_, c)| c.trim().to_owned()))
            })
            .expect("a code in the outbox")
    }

    /// Registers (from an IP of its own, so registration limits never bite) and logs in a user
    /// who has not verified their address.
    pub async fn sign_up_unverified(&self) -> User {
        let (email, password) = (unique_email(), strong_password());
        let ip = random_ip();
        let registered = self
            .send_from(
                ip,
                crate::app::json_request(
                    axum::http::Method::POST,
                    "/v1/auth/register",
                    Some(json!({"email": email, "password": password})),
                    None,
                ),
            )
            .await;
        assert_eq!(
            registered.status,
            StatusCode::CREATED,
            "{}",
            registered.body
        );
        let login = self
            .send_from(
                ip,
                crate::app::json_request(
                    axum::http::Method::POST,
                    "/v1/auth/login",
                    Some(json!({"email": email, "password": password, "client": "cli"})),
                    None,
                ),
            )
            .await;
        assert_eq!(login.status, StatusCode::OK, "{}", login.body);
        User {
            id: login.text("/user/id"),
            token: login.text("/session_token"),
            email,
            password,
        }
    }

    /// Creates an org owned by `owner` (`tier` free, pro or enterprise); its id.
    pub async fn create_org(&self, owner: &User, tier: &str) -> String {
        let created = self
            .post(
                "/v1/orgs",
                json!({"name": format!("org {}", ulid::Ulid::new()), "tier": tier}),
                Some(&owner.token),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        created.text("/id")
    }

    /// Creates a vault named `name` in `org`, as `by` (an owner or admin); its id.
    pub async fn create_vault(&self, org: &str, by: &User, name: &str) -> String {
        let created = self
            .post(
                &format!("/v1/orgs/{org}/vaults"),
                json!({"name": name}),
                Some(&by.token),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        created.text("/id")
    }

    /// Adds `user` to `org` with `role`, as `by`.
    pub async fn add_member(&self, org: &str, by: &User, user: &User, role: &str) {
        let added = self
            .post(
                &format!("/v1/orgs/{org}/members"),
                json!({"email": user.email, "role": role}),
                Some(&by.token),
            )
            .await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    }

    /// A free org with an owner, an admin and a member, and an outsider.
    pub async fn org_with_every_role(&self) -> OrgWithRoles {
        let (owner, admin, member, outsider) = (
            self.sign_up().await,
            self.sign_up().await,
            self.sign_up().await,
            self.sign_up().await,
        );
        let id = self.create_org(&owner, "free").await;
        self.add_member(&id, &owner, &admin, "admin").await;
        self.add_member(&id, &owner, &member, "member").await;
        OrgWithRoles {
            id,
            owner,
            admin,
            member,
            outsider,
        }
    }
}
