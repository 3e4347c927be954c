//! Claiming an idempotency key before a write (see [`crate::datasets::idempotency`]). The claim
//! is bookkeeping, not a change of the caller's data: the records it guards are audited.

use std::time::Duration;

use serde_json::Value;

use super::DatasetsService;
use crate::access::Scoped;
use crate::datasets::idempotency::{IdempotencyClaim, claim_key};
use crate::datasets::{Dataset, DatasetError};
use crate::ids::ulid_at;
use crate::store::{Condition, StoreError};

/// How long an attempt holds a claim before a retry may take it over.
const LEASE: Duration = Duration::from_secs(60);

/// What a claim allows.
pub(super) enum Claimed {
    /// Go on with these record ids (first of a run); store the reply when done.
    Proceed(IdempotencyClaim),
    /// The first attempt's reply.
    Replay(Value),
}

impl DatasetsService {
    /// Claims `key` for `at`'s write with this body, or says why not.
    pub(super) async fn claim(
        &self,
        at: &Scoped,
        dataset: &Dataset,
        key: &str,
        body_digest: &str,
    ) -> Result<Claimed, DatasetError> {
        let key = claim_key(&dataset.id, at.principal().actor_id(), key);
        // Two rounds: a claim that vanished (expired) between the read and the write.
        for _ in 0..2 {
            let now = self.clock.now();
            let lease_until = now + LEASE;
            let found = self.table.get(&key).await?;
            let Some(item) = found else {
                let claim = IdempotencyClaim {
                    key: key.clone(),
                    body_digest: body_digest.to_owned(),
                    first_record: ulid_at(now)?,
                    reply: None,
                    lease_until,
                    expires_at: (now + self.settings.idempotency_ttl).unix_timestamp(),
                    revision: 1,
                };
                match self
                    .table
                    .put(claim.to_item(), Condition::MustNotExist)
                    .await
                {
                    Ok(()) => return Ok(Claimed::Proceed(claim)),
                    Err(StoreError::ConditionFailed) => continue,
                    Err(other) => return Err(other.into()),
                }
            };
            let mut claim = IdempotencyClaim::from_item(&item)?;
            if claim.body_digest != body_digest {
                return Err(DatasetError::IdempotencyMismatch);
            }
            if let Some(reply) = claim.reply {
                return Ok(Claimed::Replay(reply));
            }
            if claim.lease_until > now {
                return Err(DatasetError::IdempotencyInProgress);
            }
            // The attempt that held it is gone: take it over, with the same record ids.
            let before = claim.revision;
            claim.lease_until = lease_until;
            claim.revision += 1;
            return match self
                .table
                .put(claim.to_item(), Condition::VersionEquals(before))
                .await
            {
                Ok(()) => Ok(Claimed::Proceed(claim)),
                Err(StoreError::ConditionFailed) => Err(DatasetError::IdempotencyInProgress),
                Err(other) => Err(other.into()),
            };
        }
        Err(DatasetError::IdempotencyInProgress)
    }

    /// Stores the reply a retry will get. A claim a retry took over meanwhile (this attempt
    /// outlived its lease) is the retry's to settle: it wrote the same records.
    pub(super) async fn settle(
        &self,
        mut claim: IdempotencyClaim,
        reply: Value,
    ) -> Result<(), DatasetError> {
        let before = claim.revision;
        claim.reply = Some(reply);
        claim.revision += 1;
        self.put_claim(claim, before).await
    }

    async fn put_claim(&self, claim: IdempotencyClaim, before: u64) -> Result<(), DatasetError> {
        match self
            .table
            .put(claim.to_item(), Condition::VersionEquals(before))
            .await
        {
            Ok(()) => Ok(()),
            Err(StoreError::ConditionFailed) => {
                tracing::info!("idempotency claim taken over by a retry; it settles the reply");
                Ok(())
            }
            Err(other) => Err(other.into()),
        }
    }

    /// Gives the claim up (the attempt failed in a way a retry may fix): the next attempt
    /// takes it over at once (the lease is ended) and writes the same record ids.
    pub(super) async fn release(&self, mut claim: IdempotencyClaim) -> Result<(), DatasetError> {
        let before = claim.revision;
        claim.lease_until = self.clock.now();
        claim.revision += 1;
        self.put_claim(claim, before).await
    }
}
