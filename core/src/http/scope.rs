//! The gate as handlers meet it: an org id from the path (an id that is not one of ours is 404,
//! like an org the caller does not belong to), the caller, and the permission the route needs.
//! An access token also has to allow it: bound to this org (if bound at all) and scoped for it.

use super::{ApiError, Caller};
use crate::access::{Access, Permission, Scoped};
use crate::ids::OrgId;

/// Asks the gate whether `caller` may act with `need` in the org `raw_org` names.
pub async fn scope(
    access: &Access,
    caller: &Caller,
    raw_org: &str,
    need: Permission,
) -> Result<Scoped, ApiError> {
    let org = OrgId::parse(raw_org).ok_or(ApiError::NotFound)?;
    caller.credential_allows(&org, need)?;
    Ok(access.require(&caller.principal(), &org, need).await?)
}

/// Reads an id from the path with its type's `parse`: a malformed one is 404.
pub fn path_id<T>(raw: &str, parse: impl FnOnce(&str) -> Option<T>) -> Result<T, ApiError> {
    parse(raw).ok_or(ApiError::NotFound)
}
