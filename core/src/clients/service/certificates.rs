//! A client's certificates: create (a fresh Ed25519 key pair, bounded by the org's tier: the
//! `certificates` counter moves in the create's transaction with the tier's ceiling, so however
//! many creates race, the limit holds), list, and revoke (the certificate goes, with its
//! revocation entry in the same transaction, so the tokens issued through it stop working).

use super::ClientsService;
use crate::access::Scoped;
use crate::audit::{Change, RequestOrigin, retrying};
use crate::clients::{Certificate, ClientError, IssuedCertificate};
use crate::ids::{CertificateId, ClientId};
use crate::orgs::Paged;
use crate::store::schema::{self, Revoked};
use crate::store::{Bounds, Condition, Cursor, Query};

impl ClientsService {
    /// A new certificate of the client; its private key is in the result only.
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), client_id = %client))]
    pub async fn create_certificate(
        &self,
        at: &Scoped,
        client: &ClientId,
        origin: &RequestOrigin,
    ) -> Result<IssuedCertificate, ClientError> {
        self.get_client(at, client).await?;
        let now = self.clock.now();
        let issued = Certificate::generate(
            CertificateId::generate(now)?,
            client,
            at.org(),
            now,
            at.principal().actor_id().to_owned(),
        )?;
        let tier = at.org_record().tier;
        let certificate = &issued.certificate;
        // Retried: racing creates may lose a transaction conflict without breaking a rule.
        retrying(|| async move {
            let event = self.event(at, "clients.certificate.create", origin, &certificate.id)?;
            Change::new(event)
                .org_is_live_or(at.org(), ClientError::NotFound("organization"))
                // The client must still be there: once it is deleted, nothing is added to it.
                .check_or(
                    schema::client(client),
                    Condition::MustExist,
                    ClientError::NotFound("client"),
                )
                .add_or(
                    schema::org_counters(at.org()),
                    "certificates",
                    1,
                    Bounds::at_most(tier.certificate_limit()),
                    ClientError::TierLimit {
                        tier: tier.as_str(),
                        limit: tier.certificate_limit().unwrap_or(i64::MAX),
                    },
                )
                .put(certificate.to_item(), Condition::MustNotExist)
                .commit(&*self.table)
                .await?;
            Ok::<_, ClientError>(())
        })
        .await?;
        Ok(issued)
    }

    /// One page of the client's certificates (public keys only), in id (creation) order.
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), client_id = %client))]
    pub async fn list_certificates(
        &self,
        at: &Scoped,
        client: &ClientId,
        limit: usize,
        cursor: Option<Cursor>,
    ) -> Result<Paged<Certificate>, ClientError> {
        self.get_client(at, client).await?;
        let query = Query::partition(schema::client_partition(client))
            .prefix(schema::CLIENT_CERTIFICATES_PREFIX)
            .limit(limit)
            .after(cursor);
        self.page(query, Certificate::from_item).await
    }

    /// Revokes a certificate: it is deleted, its place under the tier's limit freed, and the
    /// tokens issued through it refused (here at once, everywhere within the revocation bound).
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), client_id = %client, certificate_id = %id))]
    pub async fn delete_certificate(
        &self,
        at: &Scoped,
        client: &ClientId,
        id: &CertificateId,
        origin: &RequestOrigin,
    ) -> Result<(), ClientError> {
        let (client_key, certificate_key) = (
            schema::client(client),
            schema::client_certificate(client, id),
        );
        let (client_item, certificate_item) = tokio::try_join!(
            self.table.get(&client_key),
            self.table.get(&certificate_key)
        )?;
        Self::client_of(at, client_item.as_ref())?;
        if certificate_item.is_none() {
            return Err(ClientError::NotFound("certificate"));
        }
        let revocations = self.access_tokens.revocations();
        Change::new(self.event(at, "clients.certificate.revoke", origin, id)?)
            .delete_or(
                certificate_key,
                Condition::MustExist,
                ClientError::NotFound("certificate"),
            )
            .add(schema::org_counters(at.org()), "certificates", -1)
            .op(revocations.revoke_op(Revoked::Certificate(id), None))
            .commit(&*self.table)
            .await?;
        revocations.note(Revoked::Certificate(id), None);
        Ok(())
    }
}
