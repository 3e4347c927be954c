//! Clients of an org: create, list (the org's index in `gsi1`), get, delete. Deleting a client
//! removes its certificates and frees their places under the tier's limit, and writes the
//! client's revocation entry, so every token it holds stops working.

use super::ClientsService;
use crate::access::Scoped;
use crate::audit::{Change, RequestOrigin, retrying};
use crate::clients::{Client, ClientError};
use crate::ids::ClientId;
use crate::orgs::{Name, Paged};
use crate::store::schema::{self, Revoked};
use crate::store::{Condition, Cursor, Item, MAX_TRANSACTION_OPS, Query, TxOp};
use crate::tokens::Scopes;

/// Certificates removed in one transaction, leaving room for the client, its revocation entry,
/// the counter and the audit event.
const CERTIFICATES_PER_CHANGE: usize = MAX_TRANSACTION_OPS - 5 - crate::audit::EVENT_WRITES;

impl ClientsService {
    /// Creates a client of `at`'s org with `scopes` (at most a member's: see
    /// [`Client::requested_scopes`]).
    #[tracing::instrument(skip_all, fields(org_id = %at.org()))]
    pub async fn create_client(
        &self,
        at: &Scoped,
        name: Name,
        scopes: Scopes,
        origin: &RequestOrigin,
    ) -> Result<Client, ClientError> {
        let now = self.clock.now();
        let client = Client {
            id: ClientId::generate(now)?,
            org_id: at.org().clone(),
            name,
            scopes: Client::within_ceiling(scopes)?,
            created_at: now,
            created_by: at.principal().actor_id().to_owned(),
        };
        let change = Change::new(self.event(at, "clients.create", origin, &client.id)?);
        change
            .org_is_live_or(at.org(), ClientError::NotFound("organization"))
            .put(client.to_item(), Condition::MustNotExist)
            .commit(&*self.table)
            .await?;
        Ok(client)
    }

    /// One page of the org's clients, in id (creation) order.
    #[tracing::instrument(skip_all, fields(org_id = %at.org()))]
    pub async fn list_clients(
        &self,
        at: &Scoped,
        limit: usize,
        cursor: Option<Cursor>,
    ) -> Result<Paged<Client>, ClientError> {
        let query = Query::gsi1(schema::org_partition(at.org()))
            .prefix(schema::ORG_CLIENTS_PREFIX)
            .limit(limit)
            .after(cursor);
        self.page(query, Client::from_item).await
    }

    /// The client, if it belongs to `at`'s org (another org's client is not found, as if it
    /// did not exist).
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), client_id = %id))]
    pub async fn get_client(&self, at: &Scoped, id: &ClientId) -> Result<Client, ClientError> {
        let item = self.table.get(&schema::client(id)).await?;
        Self::client_of(at, item.as_ref())
    }

    /// Deletes the client and its certificates; its tokens stop working at once here, and
    /// everywhere within the revocation bound.
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), client_id = %id))]
    pub async fn delete_client(
        &self,
        at: &Scoped,
        id: &ClientId,
        origin: &RequestOrigin,
    ) -> Result<(), ClientError> {
        // Retried: a certificate revoked meanwhile changes the set this change removes.
        retrying(|| async move {
            self.get_client(at, id).await?;
            let certificates = self.certificate_keys(id).await?;
            let change = Change::new(self.event(at, "clients.delete", origin, id)?)
                .delete_or(
                    schema::client(id),
                    Condition::MustExist,
                    ClientError::NotFound("client"),
                )
                .op(self
                    .access_tokens
                    .revocations()
                    .revoke_op(Revoked::Client(id), None));
            Self::remove_certificates(change, at, &certificates)
                .commit(&*self.table)
                .await?;
            Ok::<_, ClientError>(())
        })
        .await?;
        self.access_tokens
            .revocations()
            .note(Revoked::Client(id), None);
        // With the client gone no certificate can be added to it; remove any the change could
        // not hold, or that were added while it was being made.
        self.sweep_certificates(at, id, origin).await
    }

    /// The client in `item`, if it is one of `at`'s org.
    pub(super) fn client_of(at: &Scoped, item: Option<&Item>) -> Result<Client, ClientError> {
        let client = item
            .map(Client::from_item)
            .transpose()?
            .filter(|client| &client.org_id == at.org())
            .ok_or(ClientError::NotFound("client"))?;
        Ok(client)
    }

    /// The keys of the client's first certificates (as many as one change removes).
    async fn certificate_keys(&self, id: &ClientId) -> Result<Vec<Item>, ClientError> {
        let page = self
            .table
            .query(
                &Query::partition(schema::client_partition(id))
                    .prefix(schema::CLIENT_CERTIFICATES_PREFIX)
                    .limit(CERTIFICATES_PER_CHANGE),
            )
            .await?;
        Ok(page.items)
    }

    /// Adds to `change` the removal of `certificates` (each must still be there, else the
    /// change conflicts and is read again) and frees their places under the tier's limit.
    fn remove_certificates(
        change: Change<ClientError>,
        at: &Scoped,
        certificates: &[Item],
    ) -> Change<ClientError> {
        if certificates.is_empty() {
            return change;
        }
        let count = i64::try_from(certificates.len()).unwrap_or(i64::MAX);
        change
            .ops(certificates.iter().map(|item| TxOp::Delete {
                key: item.key.clone(),
                condition: Condition::MustExist,
            }))
            .add(schema::org_counters(at.org()), "certificates", -count)
    }

    /// Removes the certificates left under a deleted client, a change at a time, each audited
    /// as the revocation of the client's certificates. Their tokens are already refused by the
    /// client's revocation entry.
    async fn sweep_certificates(
        &self,
        at: &Scoped,
        id: &ClientId,
        origin: &RequestOrigin,
    ) -> Result<(), ClientError> {
        loop {
            let removed = retrying(|| async move {
                let certificates = self.certificate_keys(id).await?;
                if certificates.is_empty() {
                    return Ok::<_, ClientError>(false);
                }
                let event = self.event(at, "clients.certificate.revoke", origin, id)?;
                Self::remove_certificates(Change::new(event), at, &certificates)
                    .commit(&*self.table)
                    .await?;
                Ok(true)
            })
            .await?;
            if !removed {
                return Ok(());
            }
        }
    }
}
