//! Create, list and get. A key's first version is made with it; the key counts against the
//! org's tier (the `named_keys` counter moves in the create's transaction with the tier's
//! ceiling) and its name is unique in the org (a claim item, written on condition).

use super::NamedKeysService;
use crate::access::Scoped;
use crate::audit::{Change, Outcome, RequestOrigin, retrying};
use crate::ids::NamedKeyId;
use crate::keys::WrappedVersion;
use crate::named_keys::version::data_key_context;
use crate::named_keys::{NamedKey, NamedKeyError};
use crate::orgs::{Name, Paged};
use crate::store::{Bounds, Condition, Cursor, Query, schema};

impl NamedKeysService {
    /// Creates a key in `at`'s org with its first version.
    #[tracing::instrument(skip_all, fields(org_id = %at.org()))]
    pub async fn create_key(
        &self,
        at: &Scoped,
        name: Name,
        origin: &RequestOrigin,
    ) -> Result<NamedKey, NamedKeyError> {
        let now = self.clock.now();
        let id = NamedKeyId::generate(now)?;
        let generated = self
            .keys
            .generate_data_key(&data_key_context(at.org(), &id, 1))
            .await?;
        let key = NamedKey {
            id: id.clone(),
            org_id: at.org().clone(),
            name,
            latest_version: 1,
            oldest_version: 1,
            min_decryption_version: 1,
            min_encryption_version: 1,
            deletion_allowed: false,
            deleting: false,
            created_at: now,
            created_by: at.principal().actor_id().to_owned(),
            rotated_at: now,
            latest_wrapped: generated.wrapped.clone(),
            revision: 1,
        };
        let first = WrappedVersion {
            version: 1,
            wrapped: generated.wrapped,
            created_at: now,
        };
        let tier = at.org_record().tier;
        let (key_ref, first_ref) = (&key, &first);
        // Retried: racing creates may lose a transaction conflict without breaking a rule.
        retrying(|| async move {
            let event = self.event(at, "keys.create", Outcome::Success, origin, &key_ref.id)?;
            Change::new(event)
                .org_is_live_or(at.org(), NamedKeyError::NotFound("organization"))
                .add_or(
                    schema::org_counters(at.org()),
                    "named_keys",
                    1,
                    Bounds::at_most(tier.named_key_limit()),
                    NamedKeyError::TierLimit {
                        tier: tier.as_str(),
                        limit: tier.named_key_limit().unwrap_or(i64::MAX),
                    },
                )
                .put_or(
                    key_ref.name_claim(),
                    Condition::MustNotExist,
                    NamedKeyError::NameTaken,
                )
                .put(key_ref.to_item(), Condition::MustNotExist)
                .put(
                    first_ref.to_item(schema::named_key_version(&key_ref.id, 1)),
                    Condition::MustNotExist,
                )
                .commit(&*self.table)
                .await?;
            Ok::<_, NamedKeyError>(())
        })
        .await?;
        Ok(key)
    }

    /// One page of the org's keys, in creation order.
    #[tracing::instrument(skip_all, fields(org_id = %at.org()))]
    pub async fn list_keys(
        &self,
        at: &Scoped,
        limit: usize,
        cursor: Option<Cursor>,
    ) -> Result<Paged<NamedKey>, NamedKeyError> {
        let query = Query::gsi1(schema::org_partition(at.org()))
            .prefix(schema::ORG_NAMED_KEYS_PREFIX)
            .limit(limit)
            .after(cursor);
        let page = self.table.query(&query).await?;
        let mut items = Vec::with_capacity(page.items.len());
        for item in &page.items {
            let key = NamedKey::from_item(item)?;
            // A key being deleted is gone for its org already (a page may come out short).
            if !key.deleting {
                items.push(key);
            }
        }
        Ok(Paged {
            items,
            next_cursor: page.next_cursor,
        })
    }

    /// The key as `at` may see it (the gate located it; this checks the org it was asked for).
    pub fn get_key(&self, at: &Scoped, key: NamedKey) -> Result<NamedKey, NamedKeyError> {
        key.visible_to(at)
    }

    /// The key, read now, as `at` may see it: what every change starts from.
    pub(super) async fn current(
        &self,
        at: &Scoped,
        id: &NamedKeyId,
    ) -> Result<NamedKey, NamedKeyError> {
        self.read(id).await?.visible_to(at)
    }
}
