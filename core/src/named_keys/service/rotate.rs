//! Rotation: a new version with a new data key becomes the newest; older versions still
//! decrypt until retired. A key holds at most [`MAX_LIVE_VERSIONS`] at once.

use super::NamedKeysService;
use crate::access::Scoped;
use crate::audit::{Change, Outcome, RequestOrigin, retrying};
use crate::ids::NamedKeyId;
use crate::keys::WrappedVersion;
use crate::named_keys::key::MAX_LIVE_VERSIONS;
use crate::named_keys::version::data_key_context;
use crate::named_keys::{NamedKey, NamedKeyError};
use crate::store::{Condition, schema};

impl NamedKeysService {
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), key_id = %id))]
    pub async fn rotate_key(
        &self,
        at: &Scoped,
        id: &NamedKeyId,
        origin: &RequestOrigin,
    ) -> Result<NamedKey, NamedKeyError> {
        // Retried: a rotation or patch that won a race changed the item this one builds on.
        retrying(|| async move {
            let mut key = self.current(at, id).await?;
            if key.live_versions() >= MAX_LIVE_VERSIONS {
                return Err(NamedKeyError::TooManyVersions(key.live_versions()));
            }
            let now = self.clock.now();
            let version = key.latest_version + 1;
            let generated = self
                .keys
                .generate_data_key(&data_key_context(at.org(), id, version))
                .await?;
            let previous = key.revision;
            key.latest_version = version;
            key.latest_wrapped = generated.wrapped.clone();
            key.rotated_at = now;
            key.revision += 1;
            let added = WrappedVersion {
                version,
                wrapped: generated.wrapped,
                created_at: now,
            };
            let event = self.event(at, "keys.rotate", Outcome::Success, origin, id)?;
            Change::new(event)
                .put(
                    added.to_item(schema::named_key_version(id, version)),
                    Condition::MustNotExist,
                )
                .put(key.to_item(), Condition::VersionEquals(previous))
                .commit(&*self.table)
                .await?;
            Ok(key)
        })
        .await
    }
}
