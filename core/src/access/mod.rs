//! Tenancy's one gate. Every resource but a user's own account belongs to an organization, and
//! this module alone decides who may act on one: a [`Principal`] asks
//! [`Access::require`] for a [`Permission`] on an org and gets back a [`Scoped`] value that only
//! this module can build. Services of org resources take `&Scoped`, so a handler that skipped the
//! gate does not compile, and audit events take their org and actor from it.
//!
//! A caller who is not a member gets [`AccessError::NotFound`] (404: the org might as well not
//! exist); a member without the permission gets [`AccessError::Forbidden`] (403).

mod error;
mod gate;
mod permission;
mod principal;
mod role;
mod scoped;

pub use error::AccessError;
pub use gate::Access;
pub use permission::Permission;
pub use principal::Principal;
pub use role::{InvalidRole, Role};
pub use scoped::Scoped;
