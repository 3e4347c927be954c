//! What the audit routes send: events with their place in their chain, a verification's
//! findings, and signed checkpoints. Never a sensitive value: events hold ids, an IP, an
//! outcome and field names only.

use coffer_core::audit::chain::{Link, encode_hash};
use coffer_core::audit::checkpoint::{Checkpoint, HeadClaim};
use coffer_core::audit::verify::{Break, BreakReason, CheckpointCheck, Verification};
use coffer_core::audit::{AuditEvent, Outcome};
use coffer_core::http::Problem;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// Problem documents, as the route annotations name them.
pub type ProblemDoc = Problem;

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeView {
    Success,
    /// Refused: bad credentials, bad token, conflict.
    Failure,
    /// Refused before trying: rate limit or lockout.
    Denied,
}

impl From<Outcome> for OutcomeView {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Success => Self::Success,
            Outcome::Failure => Self::Failure,
            Outcome::Denied => Self::Denied,
        }
    }
}

/// Where an event is in its scope's hash chains.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainView {
    /// Which of the scope's 16 chains (0-15).
    #[schema(minimum = 0, maximum = 15)]
    pub shard: u8,
    /// Its place in that chain, from 1.
    #[schema(minimum = 1)]
    pub seq: u64,
    /// SHA-256 of the link (the event, its place and the hash before it), base64url.
    #[schema(example = "q0Vb0iS2m1qUoJ4r2l0T0xS7WQb0b1V4nZ3c9F0mJ8k")]
    pub hash: String,
}

/// One audit event.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    /// `evt_...`
    pub id: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub time: OffsetDateTime,
    /// `org_...`
    pub org_id: Option<String>,
    /// Who acted (`usr_...` or `cli_...`); `null` before authentication.
    pub actor: Option<String>,
    /// What was done, `<area>.<verb>`.
    #[schema(example = "orgs.vault.create")]
    pub action: String,
    /// What it was done to (an id), if anything.
    pub resource: Option<String>,
    pub outcome: OutcomeView,
    /// The client's IP.
    pub ip: Option<String>,
    /// The request's `x-request-id`.
    pub request_id: Option<String>,
    /// The client's user agent, shortened.
    pub user_agent: Option<String>,
    /// The names (never the values) of the fields a read decrypted or a change touched.
    pub fields: Vec<String>,
    pub chain: ChainView,
}

impl EventView {
    fn of(event: &AuditEvent, chain: ChainView) -> Self {
        Self {
            id: event.id.clone(),
            time: event.time,
            org_id: event.org_id.clone(),
            actor: event.actor.clone(),
            action: event.action.to_owned(),
            resource: event.resource.clone(),
            outcome: event.outcome.into(),
            ip: event.ip.clone(),
            request_id: event.request_id.clone(),
            user_agent: event.user_agent.clone(),
            fields: event.fields.clone(),
            chain,
        }
    }
}

impl From<&Link> for EventView {
    fn from(link: &Link) -> Self {
        Self::of(
            &link.event,
            ChainView {
                shard: link.shard,
                seq: link.seq,
                hash: encode_hash(&link.hash),
            },
        )
    }
}

/// A page of events, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventList {
    pub items: Vec<EventView>,
    /// Pass as `?cursor=` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// The first break a verification found.
#[derive(Debug, Serialize, ToSchema)]
pub struct BreakView {
    /// The event found altered, removed, inserted or moved (for a checkpoint mismatch, the
    /// link where the chain leaves the signed head); `null` for a bad checkpoint signature.
    pub event_id: Option<String>,
    /// The checkpoint concerned (`cpt_...`), for `checkpoint_mismatch` and
    /// `checkpoint_signature`.
    pub checkpoint_id: Option<String>,
    pub reason: BreakReason,
    /// The chain (0-15) where it was found.
    pub shard: Option<u8>,
    /// The place in that chain where it was found.
    pub seq: Option<u64>,
}

impl From<&Break> for BreakView {
    fn from(found: &Break) -> Self {
        Self {
            event_id: found.event_id.clone(),
            checkpoint_id: found.checkpoint_id.clone(),
            reason: found.reason,
            shard: found.shard,
            seq: found.seq,
        }
    }
}

/// The org's newest checkpoint, as the verification found it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointCheckView {
    /// `cpt_...`
    pub id: String,
    /// When it was written (RFC 3339, nine fraction digits).
    #[schema(format = DateTime)]
    pub time: String,
    /// The audit key that signed it (in the JWKS with `use: audit`).
    pub kid: String,
    /// Whether its signature verifies under that key and it is the org's.
    pub valid: bool,
}

impl From<&CheckpointCheck> for CheckpointCheckView {
    fn from(check: &CheckpointCheck) -> Self {
        Self {
            id: check.id.clone(),
            time: check.time.clone(),
            kid: check.kid.clone(),
            valid: check.valid,
        }
    }
}

/// What a verification found.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationView {
    /// No break found.
    pub intact: bool,
    /// Links (events) walked.
    pub checked: u64,
    /// The first break (checkpoint signatures first, then the earliest event); `null` when
    /// intact.
    pub first_broken: Option<BreakView>,
    /// The org's newest checkpoint; `null` when it has none.
    pub checkpoint: Option<CheckpointCheckView>,
}

impl From<&Verification> for VerificationView {
    fn from(found: &Verification) -> Self {
        Self {
            intact: found.intact,
            checked: found.checked,
            first_broken: found.first_broken.as_ref().map(BreakView::from),
            checkpoint: found.checkpoint.as_ref().map(CheckpointCheckView::from),
        }
    }
}

/// One chain's head as a checkpoint signed it.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeadView {
    /// The chain (0-15).
    pub shard: u8,
    /// Its last link's place; 0 for a chain without events.
    pub seq: u64,
    /// Its last link's hash, base64url (32 zero bytes for a chain without events).
    pub hash: String,
    /// Its last link's event; `null` for a chain without events.
    pub event_id: Option<String>,
}

impl From<&HeadClaim> for HeadView {
    fn from(head: &HeadClaim) -> Self {
        Self {
            shard: head.shard,
            seq: head.seq,
            hash: head.hash.clone(),
            event_id: head.event_id.clone(),
        }
    }
}

/// A signed checkpoint: every chain head of the org at one moment. `jws` is what an auditor
/// keeps: its payload is `{id, scope, time, heads}`, signed (EdDSA, `typ:
/// coffer-audit-checkpoint`) by the key `kid` that the JWKS publishes with `use: audit`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointView {
    /// `cpt_...`
    pub id: String,
    /// The org whose chains these are.
    pub scope: String,
    /// When it was written (RFC 3339, nine fraction digits).
    #[schema(format = DateTime)]
    pub time: String,
    /// The audit key that signed it.
    pub kid: String,
    /// Every chain's head, chain 0 first.
    pub heads: Vec<HeadView>,
    /// The compact JWS that signs the above.
    pub jws: String,
}

impl From<&Checkpoint> for CheckpointView {
    fn from(checkpoint: &Checkpoint) -> Self {
        let claims = &checkpoint.claims;
        Self {
            id: claims.id.clone(),
            scope: claims.scope.clone(),
            time: claims.time.clone(),
            kid: checkpoint.kid.clone(),
            heads: claims.heads.iter().map(HeadView::from).collect(),
            jws: checkpoint.jws.clone(),
        }
    }
}

/// A page of checkpoints, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointList {
    pub items: Vec<CheckpointView>,
    /// Pass as `?cursor=` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}
