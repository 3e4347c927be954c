//! Who acts: a user (through a session or an access token) or a machine client of one org.

use crate::ids::{ClientId, OrgId, UserId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    User(UserId),
    /// A machine client acts only inside the org that owns it.
    Client {
        org: OrgId,
        client: ClientId,
    },
}

impl Principal {
    /// The id audit events name as the actor.
    pub fn actor_id(&self) -> &str {
        match self {
            Self::User(user) => user.as_str(),
            Self::Client { client, .. } => client.as_str(),
        }
    }

    pub fn user(&self) -> Option<&UserId> {
        match self {
            Self::User(user) => Some(user),
            Self::Client { .. } => None,
        }
    }
}
