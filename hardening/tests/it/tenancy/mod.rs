//! The tenancy matrix (issue #15): every org-scoped route of the full app's OpenAPI document ×
//! every kind of principal (the org's owner, admin and member; its machine clients with and
//! without the needed scope; an admin's token scoped `org:read`; and strangers: an outsider, no
//! credential, another org's admin, another org's machine client, and an admin's token bound to
//! another org), each answer compared with an explicit table derived from API.md's role rules,
//! over real resources of the target org. Zero leaks: no 2xx to a stranger, a stranger's 404
//! exactly an unknown org's, and no refusal that repeats the org's ids, names or values.
//!
//! Run it alone: `cargo test -p coffer-hardening --test it tenancy -- --nocapture` (prints the
//! matrix's size); the same on the AWS backends is the longer run (see `matrix.rs`).

mod expectations;
mod matrix;
mod owners;
mod principals;
mod requests;
mod routes;
mod target;
