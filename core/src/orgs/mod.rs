//! Tenancy: organizations, their members (with roles), invitations, teams and vaults, and the
//! tier limits. Every method past creating an org takes the [`crate::access::Scoped`] value the
//! gate made; every change goes through the audited unit of work
//! ([`crate::audit::Change`]); every key comes from [`crate::store::schema`].
//!
//! Rules worth knowing:
//! - The last owner can neither leave nor be demoted: the org's `owners` counter moves in the
//!   same transaction as the membership, with a floor of 1, so two owners demoting each other
//!   at once leave one.
//! - Tier limits (vaults now, certificates with the clients issue) are counters with a ceiling,
//!   so racing creates never overshoot; a user's org count has one too.
//! - Names of vaults and teams are unique per org, case-insensitively (a claim item written
//!   with `MustNotExist`).
//! - Deleting an org is soft: the gate refuses it at once (404), and the cleanup purges what
//!   it owned.

mod error;
mod invitation;
mod membership;
mod name;
mod org;
mod purge;
mod service;
mod team;
mod tier;
mod vault;

pub use error::OrgError;
pub use invitation::Invitation;
pub use membership::{MAX_TEAMS_PER_MEMBER, Membership};
pub use name::{InvalidName, Name};
pub use org::Org;
pub use purge::{Purged, purge_deleted_orgs};
pub use service::{AddedMember, OrgsService, Paged};
pub use team::{Team, TeamMember};
pub use tier::{InvalidTier, Tier};
pub use vault::Vault;
