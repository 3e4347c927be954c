//! Trimming: versions below a floor (at most `min_decryption_version`) are deleted for good,
//! so a key's items stay as few as its live versions (hashicorp/vault#5258, #2705). Done in
//! transactions of at most [`VERSIONS_PER_CHANGE`] versions, each moving the key's
//! `oldest_version` up on condition of its revision, so a trim that stops half way resumes
//! where it stopped, and two trims never delete what the other kept.

use super::NamedKeysService;
use crate::access::Scoped;
use crate::audit::{Change, Outcome, RequestOrigin, retrying};
use crate::ids::NamedKeyId;
use crate::named_keys::{NamedKey, NamedKeyError};
use crate::store::{Condition, MAX_TRANSACTION_OPS, schema};

/// Versions deleted per transaction, leaving room for the key's item and the audit event.
const VERSIONS_PER_CHANGE: u32 = (MAX_TRANSACTION_OPS - 4 - crate::audit::EVENT_WRITES) as u32;

impl NamedKeysService {
    /// Deletes every version below `below_version`, which may not exceed the key's
    /// `min_decryption_version` (retire first, then trim).
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), key_id = %id))]
    pub async fn trim_key(
        &self,
        at: &Scoped,
        id: &NamedKeyId,
        below_version: u32,
        origin: &RequestOrigin,
    ) -> Result<NamedKey, NamedKeyError> {
        loop {
            // Retried: a rotation or patch that won a race changed the key's revision.
            let (key, done) = retrying(|| async move {
                let key = self.current(at, id).await?;
                if below_version > key.min_decryption_version {
                    return Err(NamedKeyError::Invalid {
                        field: "below_version",
                        message: "must not exceed min_decryption_version (retire versions before trimming them)",
                    });
                }
                if below_version <= key.oldest_version {
                    return Ok((key, true));
                }
                let until = below_version.min(key.oldest_version + VERSIONS_PER_CHANGE);
                let mut next = key.clone();
                next.oldest_version = until;
                next.revision += 1;
                let event = self.event(at, "keys.trim", Outcome::Success, origin, id)?;
                let mut change = Change::new(event);
                for version in key.oldest_version..until {
                    change = change.delete(schema::named_key_version(id, version), Condition::None);
                }
                change
                    .put(next.to_item(), Condition::VersionEquals(key.revision))
                    .commit(&*self.table)
                    .await?;
                Ok((next, until == below_version))
            })
            .await?;
            if done {
                return Ok(key);
            }
        }
    }
}
