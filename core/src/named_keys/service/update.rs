//! Retiring versions and the deletion guard (`PATCH`). Raising `min_decryption_version` takes
//! effect at the next request anywhere: the key's item is read on every use, never cached, so
//! a compromised version stops decrypting at once (hashicorp/vault#3635 asks for this).

use super::NamedKeysService;
use crate::access::Scoped;
use crate::audit::{Change, Outcome, RequestOrigin, retrying};
use crate::ids::NamedKeyId;
use crate::named_keys::{NamedKey, NamedKeyError};
use crate::store::Condition;

/// What a `PATCH` may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeyPatch {
    pub min_decryption_version: Option<u32>,
    pub min_encryption_version: Option<u32>,
    pub deletion_allowed: Option<bool>,
}

impl KeyPatch {
    /// `key` with the patch applied, if the result keeps the rules: the oldest kept version ≤
    /// `min_decryption_version` ≤ `min_encryption_version` ≤ the newest version. Raising
    /// `min_decryption_version` alone raises `min_encryption_version` with it where needed.
    pub fn apply(&self, key: &NamedKey) -> Result<NamedKey, NamedKeyError> {
        let mut next = key.clone();
        if let Some(min) = self.min_decryption_version {
            if min < key.oldest_version {
                return Err(invalid(
                    "min_decryption_version",
                    "below the oldest version kept (older ones were trimmed)",
                ));
            }
            if min > key.latest_version {
                return Err(invalid(
                    "min_decryption_version",
                    "above the newest version",
                ));
            }
            next.min_decryption_version = min;
            if self.min_encryption_version.is_none() {
                next.min_encryption_version = next.min_encryption_version.max(min);
            }
        }
        if let Some(min) = self.min_encryption_version {
            if min > key.latest_version {
                return Err(invalid(
                    "min_encryption_version",
                    "above the newest version",
                ));
            }
            if min < next.min_decryption_version {
                return Err(invalid(
                    "min_encryption_version",
                    "below min_decryption_version",
                ));
            }
            next.min_encryption_version = min;
        }
        if let Some(allowed) = self.deletion_allowed {
            next.deletion_allowed = allowed;
        }
        Ok(next)
    }
}

fn invalid(field: &'static str, message: &'static str) -> NamedKeyError {
    NamedKeyError::Invalid { field, message }
}

impl NamedKeysService {
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), key_id = %id))]
    pub async fn update_key(
        &self,
        at: &Scoped,
        id: &NamedKeyId,
        patch: KeyPatch,
        origin: &RequestOrigin,
    ) -> Result<NamedKey, NamedKeyError> {
        // Retried: a rotation that won a race changes the newest version this checks against.
        retrying(|| async move {
            let key = self.current(at, id).await?;
            let mut next = patch.apply(&key)?;
            next.revision += 1;
            let event = self.event(at, "keys.update", Outcome::Success, origin, id)?;
            Change::new(event)
                .put(next.to_item(), Condition::VersionEquals(key.revision))
                .commit(&*self.table)
                .await?;
            Ok(next)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{NamedKeyId, OrgId};
    use crate::keys::WrappedKey;
    use crate::orgs::Name;
    use time::OffsetDateTime;

    fn key(oldest: u32, latest: u32) -> NamedKey {
        let now = OffsetDateTime::now_utc();
        NamedKey {
            id: NamedKeyId::generate(now).unwrap(),
            org_id: OrgId::generate(now).unwrap(),
            name: Name::parse("k").unwrap(),
            latest_version: latest,
            oldest_version: oldest,
            min_decryption_version: oldest,
            min_encryption_version: oldest,
            deletion_allowed: false,
            deleting: false,
            created_at: now,
            created_by: "usr_x".into(),
            rotated_at: now,
            latest_wrapped: WrappedKey(vec![1]),
            revision: 1,
        }
    }

    fn patch(dec: Option<u32>, enc: Option<u32>) -> KeyPatch {
        KeyPatch {
            min_decryption_version: dec,
            min_encryption_version: enc,
            deletion_allowed: None,
        }
    }

    #[test]
    fn raising_the_decryption_floor_raises_the_encryption_floor_with_it() {
        let next = patch(Some(3), None).apply(&key(1, 5)).unwrap();
        assert_eq!(
            (next.min_decryption_version, next.min_encryption_version),
            (3, 3)
        );
        let next = patch(Some(2), Some(4)).apply(&key(1, 5)).unwrap();
        assert_eq!(
            (next.min_decryption_version, next.min_encryption_version),
            (2, 4)
        );
    }

    #[test]
    fn floors_outside_the_kept_versions_or_out_of_order_are_refused() {
        for (dec, enc) in [
            (Some(6), None),
            (None, Some(6)),
            (Some(1), None),
            (Some(3), Some(2)),
            (None, Some(1)),
        ] {
            let refused = patch(dec, enc).apply(&key(2, 5));
            assert!(
                matches!(refused, Err(NamedKeyError::Invalid { .. })),
                "{dec:?} {enc:?}"
            );
        }
    }

    #[test]
    fn lowering_the_decryption_floor_back_is_allowed_down_to_the_oldest_kept_version() {
        let mut retired = key(2, 5);
        retired.min_decryption_version = 4;
        retired.min_encryption_version = 4;
        let next = patch(Some(2), None).apply(&retired).unwrap();
        assert_eq!(
            (next.min_decryption_version, next.min_encryption_version),
            (2, 4)
        );
    }
}
