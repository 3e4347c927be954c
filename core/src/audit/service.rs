//! [`AuditService`]: an org's audit log behind the access gate — read newest first, verified,
//! checkpointed — for the `audit` function group; and the cleanup's checkpointing pass.

use std::sync::Arc;
use std::time::Instant;

use super::checkpoint::{self, Checkpoint, CheckpointRun};
use super::log::{self, LogPage, LogQuery};
use super::signing_key::{AuditKeyRecord, AuditKeys};
use super::verify::{self, Verification, VerifyRange};
use super::{AuditError, AuditSink, Outcome, RequestOrigin};
use crate::access::{Access, Scoped};
use crate::clock::Clock;
use crate::http::{ApiError, AppState, GroupService};
use crate::keys::KeyRing;
use crate::store::{Cursor, Table};

#[derive(Debug)]
pub struct AuditService {
    table: Arc<dyn Table>,
    clock: Arc<dyn Clock>,
    keys: AuditKeys,
    audit: AuditSink,
    access: Access,
}

impl AuditService {
    /// The service on `table` and `ring`. Makes no I/O.
    pub fn new(table: Arc<dyn Table>, ring: Arc<dyn KeyRing>, clock: Arc<dyn Clock>) -> Self {
        Self {
            keys: AuditKeys::new(Arc::clone(&table), ring, Arc::clone(&clock)),
            audit: AuditSink::new(Arc::clone(&table), Arc::clone(&clock)),
            access: Access::new(Arc::clone(&table)),
            table,
            clock,
        }
    }

    /// The gate, for handlers to ask before calling a scoped method.
    pub fn access(&self) -> &Access {
        &self.access
    }

    /// A page of the org's events, newest first (`audit:read`).
    #[tracing::instrument(skip_all, fields(org_id = %at.org()))]
    pub async fn logs(
        &self,
        at: &Scoped,
        query: &LogQuery,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<LogPage, AuditError> {
        log::read(&*self.table, at.org().as_str(), query, limit, cursor).await
    }

    /// Walks the org's chains and checkpoints (`audit:read`).
    #[tracing::instrument(skip_all, fields(org_id = %at.org()))]
    pub async fn verify(
        &self,
        at: &Scoped,
        range: VerifyRange,
    ) -> Result<Verification, AuditError> {
        let keys = self.keys.published().await?;
        verify::verify(
            &self.table,
            at.org().as_str(),
            &keys,
            range,
            self.clock.now(),
        )
        .await
    }

    /// A page of the org's signed checkpoints, newest first (`audit:read`).
    #[tracing::instrument(skip_all, fields(org_id = %at.org()))]
    pub async fn checkpoints(
        &self,
        at: &Scoped,
        limit: usize,
        cursor: Option<Cursor>,
    ) -> Result<(Vec<Checkpoint>, Option<Cursor>), AuditError> {
        checkpoint::list(&*self.table, at.org().as_str(), limit, cursor).await
    }

    /// Writes a checkpoint of the org now (`audit:checkpoint`), audited in its own chain.
    #[tracing::instrument(skip_all, fields(org_id = %at.org()))]
    pub async fn checkpoint_now(
        &self,
        at: &Scoped,
        origin: &RequestOrigin,
    ) -> Result<Checkpoint, AuditError> {
        let (kid, key) = self.keys.signer().await?;
        let event = self
            .audit
            .scoped_event(at, "audit.checkpoint", Outcome::Success, origin)?
            .resource(at.org());
        checkpoint::write(
            &*self.table,
            (&kid, &key),
            at.org().as_str(),
            self.clock.now(),
            Some(event),
        )
        .await
    }

    /// The public halves of the checkpoint-signing keys, for the JWKS.
    pub async fn published_keys(&self) -> Result<Vec<AuditKeyRecord>, AuditError> {
        self.keys.published().await
    }

    /// Checkpoints every scope whose chains moved since their last checkpoint, until
    /// `deadline` (the cleanup run).
    pub async fn checkpoint_due(&self, deadline: Instant) -> Result<CheckpointRun, AuditError> {
        let (kid, key) = self.keys.signer().await?;
        checkpoint::write_due(&*self.table, (&kid, &key), &*self.clock, deadline).await
    }
}

impl GroupService for AuditService {
    async fn build(state: &AppState) -> Result<Self, ApiError> {
        Ok(Self::new(
            Arc::clone(&state.ports.table),
            Arc::clone(&state.ports.keys),
            Arc::clone(&state.ports.clock),
        ))
    }
}
