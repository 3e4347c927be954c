//! The claims of a Coffer access token (RFC 9068's shape): registered claims, the `scope`, and
//! the tenancy it is bound to. `vgen` and `crt` are Coffer's own: the vault generation the token
//! was issued under (revocation by vault raises it) and the certificate a machine client
//! authenticated with (revoking the certificate ends the tokens it got).

use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::ids::{CertificateId, ClientId, OrgId, UserId, VaultId};

/// The header `typ` of access tokens (RFC 9068 §2.1).
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessClaims {
    pub iss: String,
    /// A user id, or a machine client's id.
    pub sub: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub nbf: i64,
    pub jti: String,
    /// Permission names separated by spaces.
    pub scope: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<OrgId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault: Option<VaultId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<ClientId>,
    /// The vault's generation when the token was issued (only with `vault`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vgen: Option<u64>,
    /// The certificate a client authenticated with (only with `client`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crt: Option<CertificateId>,
}

impl AccessClaims {
    /// Who the token speaks for: a machine client of its org, or a user. `None` when the
    /// subject is neither (a token Coffer never issued).
    pub fn principal(&self) -> Option<Principal> {
        match (&self.client, &self.org) {
            (Some(client), Some(org)) if client.as_str() == self.sub => Some(Principal::Client {
                org: org.clone(),
                client: client.clone(),
            }),
            (Some(_), _) => None,
            (None, _) => UserId::parse(&self.sub).map(Principal::User),
        }
    }
}
