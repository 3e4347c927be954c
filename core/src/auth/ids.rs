//! Identity's ids, from the shared [`crate::ids`].

pub use crate::ids::{SessionId, UserId, ulid_at};
