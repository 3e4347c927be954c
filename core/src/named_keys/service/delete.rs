//! Deletion, behind its guard (`deletion_allowed`). The first step, one audited transaction,
//! marks the key as deleting (gone for every use and from the org's list, though still in its
//! index for a deleted org's purge to find), frees its name and its place under the tier's limit. Then its versions are removed in pages, and the key's item
//! last: a deletion cut short is finished by the next `DELETE` of the same key.

use super::NamedKeysService;
use crate::access::Scoped;
use crate::audit::{Change, Outcome, RequestOrigin, retrying};
use crate::ids::NamedKeyId;
use crate::named_keys::NamedKeyError;
use crate::store::{Condition, MAX_TRANSACTION_OPS, Query, TxOp, schema};

impl NamedKeysService {
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), key_id = %id))]
    pub async fn delete_key(
        &self,
        at: &Scoped,
        id: &NamedKeyId,
        origin: &RequestOrigin,
    ) -> Result<(), NamedKeyError> {
        // Retried: a patch that won a race changed the key's revision.
        retrying(|| async move {
            let key = self.read(id).await?;
            if &key.org_id != at.org() {
                return Err(NamedKeyError::NotFound("key"));
            }
            if key.deleting {
                return Ok(());
            }
            if !key.deletion_allowed {
                return Err(NamedKeyError::DeletionNotAllowed);
            }
            let mut marked = key.clone();
            marked.deleting = true;
            marked.revision += 1;
            let event = self.event(at, "keys.delete", Outcome::Success, origin, id)?;
            Change::new(event)
                .put(marked.to_item(), Condition::VersionEquals(key.revision))
                .delete(
                    schema::named_key_name(at.org(), &key.name.claim_digest()),
                    Condition::None,
                )
                .add(schema::org_counters(at.org()), "named_keys", -1)
                .commit(&*self.table)
                .await?;
            Ok(())
        })
        .await?;
        self.remove_versions(id).await?;
        self.table
            .delete(&schema::named_key(id), Condition::None)
            .await?;
        Ok(())
    }

    /// Removes every version item of a key marked as deleting (the rest of its audited
    /// deletion), a page per transaction.
    async fn remove_versions(&self, id: &NamedKeyId) -> Result<(), NamedKeyError> {
        loop {
            let page = self
                .table
                .query(
                    &Query::partition(schema::named_key_partition(id))
                        .prefix(schema::NAMED_KEY_VERSIONS_PREFIX)
                        .limit(MAX_TRANSACTION_OPS),
                )
                .await?;
            if page.items.is_empty() {
                return Ok(());
            }
            let ops = page
                .items
                .into_iter()
                .map(|item| TxOp::Delete {
                    key: item.key,
                    condition: Condition::None,
                })
                .collect();
            self.table.transact(ops).await?;
        }
    }
}
