//! [`NamedKeysService`]: an org's named keys (behind the access gate) and the encrypt, decrypt
//! and rewrap operations on them. One concern per file. Built once per process by the `crypto`
//! function group.

mod data_keys;
mod decrypt;
mod delete;
mod encrypt;
mod keys;
mod rewrap;
mod rotate;
mod trim;
mod update;

use std::sync::Arc;

pub use decrypt::DecryptInput;
pub use encrypt::{EncryptInput, Sealed};
pub use update::KeyPatch;

use super::NamedKeyError;
use crate::access::{Access, Scoped};
use crate::audit::{AuditEvent, AuditSink, Outcome, RequestOrigin};
use crate::clock::Clock;
use crate::http::{ApiError, AppState, GroupService};
use crate::ids::NamedKeyId;
use crate::keys::KeyRing;
use crate::named_keys::NamedKey;
use crate::store::{Table, schema};

/// Items one encrypt, decrypt or rewrap request may carry.
pub const MAX_BATCH: usize = 1000;

#[derive(Debug)]
pub struct NamedKeysService {
    table: Arc<dyn Table>,
    clock: Arc<dyn Clock>,
    /// The key ring behind the process's data-key cache: a warm container unwraps each
    /// version's data key about once per cache period.
    keys: Arc<dyn KeyRing>,
    audit: AuditSink,
    access: Access,
}

impl NamedKeysService {
    /// The service on `table` and `keys`. Makes no I/O.
    pub fn new(table: Arc<dyn Table>, keys: Arc<dyn KeyRing>, clock: Arc<dyn Clock>) -> Self {
        Self {
            audit: AuditSink::new(Arc::clone(&table), Arc::clone(&clock)),
            access: Access::new(Arc::clone(&table)),
            table,
            clock,
            keys,
        }
    }

    /// The gate, for handlers to ask before calling a scoped method.
    pub fn access(&self) -> &Access {
        &self.access
    }

    /// The key `id` names, for the gate to learn its org before anything else happens. Every
    /// method that uses or changes the key checks it against the `Scoped` value the gate then
    /// makes (and refuses a key being deleted, except to finish its deletion).
    #[tracing::instrument(skip_all, fields(key_id = %id))]
    pub async fn locate(&self, id: &NamedKeyId) -> Result<NamedKey, NamedKeyError> {
        self.read(id).await
    }

    /// The key's item as stored (a key being deleted included).
    async fn read(&self, id: &NamedKeyId) -> Result<NamedKey, NamedKeyError> {
        let item = self.table.get(&schema::named_key(id)).await?;
        Ok(NamedKey::from_item(
            &item.ok_or(NamedKeyError::NotFound("key"))?,
        )?)
    }

    fn event(
        &self,
        at: &Scoped,
        action: &'static str,
        outcome: Outcome,
        origin: &RequestOrigin,
        key: &NamedKeyId,
    ) -> Result<AuditEvent, NamedKeyError> {
        Ok(self
            .audit
            .scoped_event(at, action, outcome, origin)?
            .resource(key))
    }
}

impl GroupService for NamedKeysService {
    async fn build(state: &AppState) -> Result<Self, ApiError> {
        Ok(Self::new(
            Arc::clone(&state.ports.table),
            Arc::clone(&state.ports.keys),
            Arc::clone(&state.ports.clock),
        ))
    }
}
