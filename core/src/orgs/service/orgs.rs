//! Creating, listing, renaming and deleting orgs.

use time::OffsetDateTime;

use super::{OrgsService, Paged};
use crate::access::{AccessError, Role, Scoped};
use crate::audit::{Change, Outcome, RequestOrigin, retrying};
use crate::ids::{OrgId, UserId};
use crate::orgs::{Membership, Name, Org, OrgError, Tier};
use crate::store::{Bounds, Condition, Cursor, Item, Query, schema};

impl OrgsService {
    /// Creates an org with `user` as its owner, in one transaction with the membership, the
    /// counters, the user's org count (bounded) and the audit event.
    #[tracing::instrument(skip_all, fields(user_id = %user))]
    pub async fn create(
        &self,
        user: &UserId,
        name: Name,
        tier: Tier,
        origin: &RequestOrigin,
    ) -> Result<Org, OrgError> {
        let now = self.clock.now();
        let org = Org {
            id: OrgId::generate(now)?,
            name,
            tier,
            created_at: now,
            updated_at: now,
            deleted_at: None,
            version: 1,
        };
        let membership = Membership {
            org_id: org.id.clone(),
            user_id: user.clone(),
            role: Role::Owner,
            joined_at: now,
            teams: Vec::new(),
            version: 1,
        };
        let mut event = self
            .audit
            .event("orgs.org.create", Outcome::Success, origin)?
            .actor(user)
            .resource(&org.id);
        event.org_id = Some(org.id.to_string());
        let counters = Item::new(schema::org_counters(&org.id))
            .with_attr("members", 1)
            .with_attr("vaults", 0)
            .with_attr("certificates", 0);
        let limit = i64::from(self.settings.max_orgs_per_user);
        Change::new(event)
            .put(org.to_item(), Condition::MustNotExist)
            .put(membership.to_item(), Condition::MustNotExist)
            .put(counters, Condition::MustNotExist)
            .put(
                Item::new(schema::org_owner_count(&org.id)).with_attr("owners", 1),
                Condition::MustNotExist,
            )
            .add_or(
                schema::user_counters(user),
                "orgs",
                1,
                Bounds::at_most(Some(limit)),
                OrgError::MembershipLimit {
                    limit: self.settings.max_orgs_per_user,
                },
            )
            .commit(&*self.table)
            .await?;
        tracing::info!(org_id = %org.id, "org created");
        Ok(org)
    }

    /// The orgs `user` belongs to, with their role, by org id (one index query and one read
    /// per org on the page, concurrently). Deleted orgs are left out.
    #[tracing::instrument(skip_all, fields(user_id = %user))]
    pub async fn list_mine(
        &self,
        user: &UserId,
        limit: usize,
        cursor: Option<Cursor>,
    ) -> Result<Paged<(Org, Role)>, OrgError> {
        let query = Query::gsi1(schema::user_partition(user))
            .prefix(schema::USER_ORGS_PREFIX)
            .limit(limit)
            .after(cursor);
        let memberships = self.page(query, Membership::from_item).await?;
        let reads = memberships.items.iter().map(|membership| async move {
            let item = self.table.get(&schema::org(&membership.org_id)).await?;
            let org = item.map(|item| Org::from_item(&item)).transpose()?;
            Ok::<_, OrgError>(
                org.filter(|org| org.deleted_at.is_none())
                    .map(|org| (org, membership.role)),
            )
        });
        let orgs = futures_util::future::try_join_all(reads).await?;
        Ok(Paged {
            items: orgs.into_iter().flatten().collect(),
            next_cursor: memberships.next_cursor,
        })
    }

    /// The org, as the gate read it.
    pub fn get(&self, at: &Scoped) -> Org {
        at.org_record().clone()
    }

    /// Renames the org (an optimistic write on the org record, retried on a race).
    #[tracing::instrument(skip_all, fields(org_id = %at.org()))]
    pub async fn rename(
        &self,
        at: &Scoped,
        name: Name,
        origin: &RequestOrigin,
    ) -> Result<Org, OrgError> {
        let name = &name;
        retrying(|| async move {
            let mut org = self.live_org(at).await?;
            let version = org.version;
            org.name = name.clone();
            org.updated_at = self.clock.now();
            org.version += 1;
            Change::new(self.event(at, "orgs.org.rename", origin, at.org())?)
                .put(org.to_item(), Condition::VersionEquals(version))
                .commit(&*self.table)
                .await?;
            Ok(org)
        })
        .await
    }

    /// Deletes the org softly: from this write on, the gate answers 404 for it; the cleanup
    /// purges what it owned.
    #[tracing::instrument(skip_all, fields(org_id = %at.org()))]
    pub async fn delete(&self, at: &Scoped, origin: &RequestOrigin) -> Result<(), OrgError> {
        retrying(|| async move {
            let mut org = self.live_org(at).await?;
            let version = org.version;
            let now: OffsetDateTime = self.clock.now();
            org.deleted_at = Some(now);
            org.updated_at = now;
            org.version += 1;
            Change::new(self.event(at, "orgs.org.delete", origin, at.org())?)
                .put(org.to_item(), Condition::VersionEquals(version))
                // Without its owner count the org takes no new resources (`Change::org_is_live_or`).
                .delete(schema::org_owner_count(at.org()), Condition::None)
                .commit(&*self.table)
                .await?;
            tracing::info!(org_id = %org.id, "org deleted");
            Ok(())
        })
        .await
    }

    /// The org as stored now (the gate's copy may be a moment old).
    async fn live_org(&self, at: &Scoped) -> Result<Org, OrgError> {
        let item = self.table.get(&schema::org(at.org())).await?;
        item.map(|item| Org::from_item(&item))
            .transpose()?
            .filter(|org| org.deleted_at.is_none())
            .ok_or(OrgError::Access(AccessError::NotFound))
    }
}
