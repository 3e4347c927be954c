//! Client authentication by a `private_key_jwt` assertion (RFC 7523 §2.2, §3): the assertion
//! is a compact JWS signed with the key of one of the client's certificates, its header's `kid`
//! the certificate's id, `iss` = `sub` = the client's id. The hot path of every
//! `client_credentials` grant: two concurrent point reads (client, certificate), one of the
//! org, one signature check. Nothing is cached, so a deleted certificate, client or org is
//! refused at once.
//!
//! Every refusal is the same [`ClientError::Unauthenticated`]; why is logged at debug level.
//! The assertion's `jti` is not spent here: [`AuthenticatedClient::spend_assertion`] is the
//! conditional write that spends it, for the grant to put in its own transaction.

use serde::Deserialize;

use super::ClientsService;
use crate::auth::digest;
use crate::clients::{AssertionClaims, AssertionRules, Certificate, Client, ClientError};
use crate::ids::{CertificateId, ClientId, OrgId};
use crate::orgs::Org;
use crate::store::{Condition, Item, TxOp, schema};
use crate::tokens::Scopes;
use crate::tokens::jws::Unverified;

/// A client that proved itself with an assertion.
#[derive(Debug)]
pub struct AuthenticatedClient {
    pub org: OrgId,
    pub client: ClientId,
    pub certificate: CertificateId,
    /// The client's scopes: the most its tokens may carry.
    pub scopes: Scopes,
    /// The write that spends the assertion's `jti` (a conditional put): it goes in the
    /// transaction of the grant, so the assertion is accepted once.
    pub spend_assertion: TxOp,
}

/// Who the assertion says it is, read before its key is known.
#[derive(Deserialize)]
struct Named {
    iss: String,
    sub: String,
}

/// A refusal, its reason logged at debug level only.
fn refused(reason: &'static str) -> ClientError {
    tracing::debug!(reason, "client assertion refused");
    ClientError::Unauthenticated
}

impl ClientsService {
    /// Checks a `private_key_jwt` assertion; `client_id` is the request's `client_id`
    /// parameter, which must name the same client when it is given.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn authenticate(
        &self,
        assertion: &str,
        client_id: Option<&str>,
    ) -> Result<AuthenticatedClient, ClientError> {
        let parsed = Unverified::parse(assertion).map_err(|_| refused("not an EdDSA JWS"))?;
        let certificate_id = CertificateId::parse(parsed.kid())
            .ok_or_else(|| refused("kid is not a certificate"))?;
        let named: Named = parsed
            .claims_unverified()
            .map_err(|_| refused("claims are not an object with iss and sub"))?;
        if named.iss != named.sub {
            return Err(refused("iss and sub differ"));
        }
        let client_id_claimed = ClientId::parse(&named.iss)
            .filter(|id| id.as_str() == named.iss)
            .ok_or_else(|| refused("iss is not a client id"))?;
        if client_id.is_some_and(|given| given != named.iss) {
            return Err(refused("client_id differs from iss"));
        }

        let (client_key, certificate_key) = (
            schema::client(&client_id_claimed),
            schema::client_certificate(&client_id_claimed, &certificate_id),
        );
        let (client_item, certificate_item) = tokio::try_join!(
            self.table.get(&client_key),
            self.table.get(&certificate_key)
        )?;
        let client = Client::from_item(&client_item.ok_or_else(|| refused("no such client"))?)?;
        let certificate = Certificate::from_item(
            &certificate_item.ok_or_else(|| refused("no such certificate of this client"))?,
        )?;
        let org = self
            .table
            .get(&schema::org(&client.org_id))
            .await?
            .map(|item| Org::from_item(&item))
            .transpose()?
            .filter(|org| org.deleted_at.is_none())
            .ok_or_else(|| refused("the client's org is gone"))?;

        let claims: AssertionClaims = parsed
            .verify(&certificate.verifying_key()?)
            .map_err(|_| refused("the signature or the claims"))?;
        let now = self.clock.now().unix_timestamp();
        let [endpoint, issuer] = &self.audiences;
        claims
            .check(&AssertionRules {
                audiences: [endpoint, issuer],
                now,
                leeway: self.leeway,
            })
            .map_err(refused)?;
        if claims.iss != client.id.as_str() {
            return Err(refused("signed iss differs"));
        }

        let spent = Item::new(schema::spent_assertion(&client.id, &digest(&claims.jti)))
            .with_expiry(claims.exp.saturating_add(self.leeway));
        Ok(AuthenticatedClient {
            org: org.id,
            scopes: client.scopes,
            spend_assertion: TxOp::Put {
                item: spent,
                condition: Condition::MustNotExist,
            },
            client: client.id,
            certificate: certificate.id,
        })
    }
}
