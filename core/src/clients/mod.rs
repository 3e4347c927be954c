//! Machine clients of an org, their Ed25519 certificates, and client authentication by a
//! `private_key_jwt` assertion (RFC 7523 §2.2) for the `client_credentials` grant.
//!
//! Rules worth knowing:
//! - A client acts in its org with a member's role at most (the gate gives it that role), so
//!   its scopes default to, and may not exceed, what [`crate::access::Role::Member`] allows.
//! - A certificate's private key exists only in the reply that creates it: the table holds the
//!   public key, and neither logs nor audit events ever see the private one.
//! - Certificates count against the org's tier (`certificates` in the org's counters, moved in
//!   the create's transaction with the tier's ceiling), however many creates race.
//! - Deleting a certificate or a client writes its revocation entry in the same transaction, so
//!   every access token issued through it stops working.
//! - Every authentication failure is the same [`ClientError::Unauthenticated`]; the reason is
//!   logged at debug level only.
//!
//! Keys: `schema::client` (with the org's index in `gsi1`), `schema::client_certificate`,
//! `schema::spent_assertion`.

mod assertion;
mod certificate;
mod client;
mod error;
mod service;

pub use assertion::{AssertionClaims, AssertionRules, Audience, MAX_ASSERTION_LIFETIME};
pub use certificate::{Certificate, IssuedCertificate};
pub use client::Client;
pub use error::ClientError;
pub use service::{AuthenticatedClient, ClientsService};
