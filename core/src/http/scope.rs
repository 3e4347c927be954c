//! The gate as handlers meet it: an org id from the path (an id that is not one of ours is 404,
//! like an org the caller does not belong to), the caller, and the permission the route needs.
//! An access token also has to allow it: bound to this org (if bound at all) and scoped for it.

use super::{ApiError, Caller};
use crate::access::{Access, Permission, Scoped};
use crate::datasets::{Dataset, DatasetsService};
use crate::ids::{DatasetId, NamedKeyId, OrgId, VaultId};
use crate::named_keys::{NamedKey, NamedKeysService};

/// Asks the gate whether `caller` may act with `need` in the org `raw_org` names.
pub async fn scope(
    access: &Access,
    caller: &Caller,
    raw_org: &str,
    need: Permission,
) -> Result<Scoped, ApiError> {
    let org = OrgId::parse(raw_org).ok_or(ApiError::NotFound)?;
    scope_org(access, caller, &org, need).await
}

/// [`scope`] for an org id already parsed (a body's `org_id`).
pub async fn scope_org(
    access: &Access,
    caller: &Caller,
    org: &OrgId,
    need: Permission,
) -> Result<Scoped, ApiError> {
    caller.credential_allows(org, need)?;
    let at = access.require(&caller.principal(), org, need).await?;
    Ok(caller.narrow(at))
}

/// The gate for a route on one vault: [`scope`] for its org, and the credential must reach the
/// vault (a token bound to another vault gets 404). Every vault route goes through this, so
/// vault-bound tokens are honoured in one place.
pub async fn scope_vault(
    access: &Access,
    caller: &Caller,
    raw_org: &str,
    raw_vault: &str,
    need: Permission,
) -> Result<(Scoped, VaultId), ApiError> {
    let at = scope(access, caller, raw_org, need).await?;
    let vault = path_id(raw_vault, VaultId::parse)?;
    caller.credential_reaches_vault(&vault)?;
    Ok((at, vault))
}

/// The gate for a route on one named key, which names no org: the key's org is read first,
/// then [`scope`] for it. A key that does not exist and one of an org the caller is not in are
/// alike (404). The service checks the key against the `Scoped` value again.
pub async fn scope_key(
    keys: &NamedKeysService,
    caller: &Caller,
    raw_key: &str,
    need: Permission,
) -> Result<(Scoped, NamedKey), ApiError> {
    let id = path_id(raw_key, NamedKeyId::parse)?;
    let key = keys.locate(&id).await?;
    let at = scope(keys.access(), caller, key.org_id.as_str(), need).await?;
    Ok((at, key))
}

/// The gate for a route on one dataset, which names no org: the dataset's org is read first,
/// then [`scope`] for it. A dataset that does not exist and one of an org the caller is not in
/// are alike (404). The service checks the dataset against the `Scoped` value again.
pub async fn scope_dataset(
    datasets: &DatasetsService,
    caller: &Caller,
    raw_dataset: &str,
    need: Permission,
) -> Result<(Scoped, Dataset), ApiError> {
    let id = path_id(raw_dataset, DatasetId::parse)?;
    let dataset = datasets.locate(&id).await?;
    let at = scope(datasets.access(), caller, dataset.org_id.as_str(), need).await?;
    Ok((at, dataset))
}

/// Reads an id from the path with its type's `parse`: a malformed one is 404.
pub fn path_id<T>(raw: &str, parse: impl FnOnce(&str) -> Option<T>) -> Result<T, ApiError> {
    parse(raw).ok_or(ApiError::NotFound)
}
