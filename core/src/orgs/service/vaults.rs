//! Vaults, bounded by the org's tier: the `vaults` counter moves in the create's transaction
//! with the tier's ceiling, so however many creates race, the limit holds.

use super::{OrgsService, Paged};
use crate::access::Scoped;
use crate::audit::{Change, RequestOrigin, retrying};
use crate::ids::VaultId;
use crate::orgs::{Name, OrgError, Vault};
use crate::store::{Bounds, Condition, Cursor, Query, schema};

impl OrgsService {
    #[tracing::instrument(skip_all, fields(org_id = %at.org()))]
    pub async fn create_vault(
        &self,
        at: &Scoped,
        name: Name,
        origin: &RequestOrigin,
    ) -> Result<Vault, OrgError> {
        let now = self.clock.now();
        let vault = Vault {
            id: VaultId::generate(now)?,
            org_id: at.org().clone(),
            name,
            created_at: now,
            created_by: at.principal().actor_id().to_owned(),
            token_generation: 0,
        };
        let tier = at.org_record().tier;
        // Retried: racing creates may lose a transaction conflict without breaking a rule.
        let vault_ref = &vault;
        retrying(|| async move {
            let change = Change::new(self.event(at, "orgs.vault.create", origin, &vault_ref.id)?);
            change
                .org_is_live_or(
                    at.org(),
                    OrgError::Access(crate::access::AccessError::NotFound),
                )
                .add_or(
                    schema::org_counters(at.org()),
                    "vaults",
                    1,
                    Bounds::at_most(tier.vault_limit()),
                    OrgError::TierLimit {
                        resource: "vaults",
                        tier: tier.as_str(),
                        limit: tier.vault_limit().unwrap_or(i64::MAX),
                    },
                )
                .put_or(
                    vault_ref.name_claim(),
                    Condition::MustNotExist,
                    OrgError::NameTaken("vault"),
                )
                .put(vault_ref.to_item(), Condition::MustNotExist)
                .put(vault_ref.owner_item(), Condition::MustNotExist)
                .commit(&*self.table)
                .await?;
            Ok::<_, OrgError>(())
        })
        .await?;
        Ok(vault)
    }

    #[tracing::instrument(skip_all, fields(org_id = %at.org()))]
    pub async fn list_vaults(
        &self,
        at: &Scoped,
        limit: usize,
        cursor: Option<Cursor>,
    ) -> Result<Paged<Vault>, OrgError> {
        let query = Query::partition(schema::org_partition(at.org()))
            .prefix(schema::ORG_VAULTS_PREFIX)
            .limit(limit)
            .after(cursor);
        self.page(query, Vault::from_item).await
    }

    #[tracing::instrument(skip_all, fields(org_id = %at.org(), vault_id = %id))]
    pub async fn get_vault(&self, at: &Scoped, id: &VaultId) -> Result<Vault, OrgError> {
        let item = self.table.get(&schema::vault(at.org(), id)).await?;
        Ok(Vault::from_item(&item.ok_or(OrgError::NotFound("vault"))?)?)
    }

    /// Deletes a vault and frees its place under the tier's limit.
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), vault_id = %id))]
    pub async fn delete_vault(
        &self,
        at: &Scoped,
        id: &VaultId,
        origin: &RequestOrigin,
    ) -> Result<(), OrgError> {
        let vault = self.get_vault(at, id).await?;
        Change::new(self.event(at, "orgs.vault.delete", origin, id)?)
            .delete_or(
                schema::vault(at.org(), id),
                Condition::MustExist,
                OrgError::NotFound("vault"),
            )
            .delete(
                schema::vault_name(at.org(), &vault.name.claim_digest()),
                Condition::None,
            )
            .delete(schema::vault_owner(id), Condition::None)
            .add(schema::org_counters(at.org()), "vaults", -1)
            .commit(&*self.table)
            .await?;
        Ok(())
    }
}
