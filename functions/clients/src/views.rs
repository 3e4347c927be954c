//! What the clients routes send: views of clients and certificates. Only the reply that creates
//! a certificate carries its private key.

use coffer_core::auth::ExposeSecret as _;
use coffer_core::clients::{Certificate, Client, IssuedCertificate};
use coffer_core::http::Problem;
use coffer_core::tokens::Jwk;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// Problem documents, as the route annotations name them.
pub type ProblemDoc = Problem;

/// A machine client of an org.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientView {
    /// `cli_...`: the `iss` and `sub` of its assertions.
    pub id: String,
    /// `org_...`
    pub org_id: String,
    pub name: String,
    /// Permission names its tokens may carry at most (`vaults:read`, ...).
    #[schema(example = json!(["vaults:read", "pii:use"]))]
    pub scopes: Vec<&'static str>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// Who created it (`usr_...` or `cli_...`).
    pub created_by: String,
}

impl From<&Client> for ClientView {
    fn from(c: &Client) -> Self {
        Self {
            id: c.id.to_string(),
            org_id: c.org_id.to_string(),
            name: c.name.to_string(),
            scopes: c.scopes.names(),
            created_at: c.created_at,
            created_by: c.created_by.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClientList {
    pub items: Vec<ClientView>,
    /// Pass as `?cursor=` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// A certificate: its public key, and the `kid` assertions signed with its private key name.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateView {
    /// `crt_...`
    pub id: String,
    /// The same as `id`: the `kid` of the assertions' header.
    pub kid: String,
    /// The public key (`OKP`, `Ed25519`).
    pub public_jwk: Jwk,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl From<&Certificate> for CertificateView {
    fn from(c: &Certificate) -> Self {
        Self {
            id: c.id.to_string(),
            kid: c.kid().to_owned(),
            public_jwk: c.jwk(),
            created_at: c.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateList {
    pub items: Vec<CertificateView>,
    /// Pass as `?cursor=` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// A certificate just made, with its private key: shown this once, never stored.
#[derive(Serialize, ToSchema)]
pub struct IssuedCertificateView {
    /// `crt_...`
    pub id: String,
    /// The same as `id`: the `kid` of the assertions' header.
    pub kid: String,
    pub public_jwk: Jwk,
    /// The Ed25519 private key, PKCS#8 PEM. Coffer keeps no copy: store it now.
    pub private_key_pem: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl std::fmt::Debug for IssuedCertificateView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCertificateView")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl From<&IssuedCertificate> for IssuedCertificateView {
    fn from(issued: &IssuedCertificate) -> Self {
        let c = &issued.certificate;
        Self {
            id: c.id.to_string(),
            kid: c.kid().to_owned(),
            public_jwk: c.jwk(),
            private_key_pem: issued.private_key_pem.expose_secret().to_owned(),
            created_at: c.created_at,
        }
    }
}
