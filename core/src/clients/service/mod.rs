//! [`ClientsService`]: machine clients and their certificates (behind the access gate), and
//! client authentication (for the `client_credentials` grant). One concern per file. Built once
//! per process by the `clients` function group, and by the tokens service for authentication.

mod authenticate;
mod certificates;
mod clients;

use std::sync::Arc;

pub use authenticate::AuthenticatedClient;

use super::ClientError;
use crate::access::{Access, Scoped};
use crate::audit::{AuditEvent, AuditSink, Outcome, RequestOrigin};
use crate::clock::Clock;
use crate::http::{ApiError, AppState, GroupService};
use crate::orgs::Paged;
use crate::settings::TokenSettings;
use crate::store::{Item, Query, Table};
use crate::tokens::AccessTokens;

#[derive(Debug)]
pub struct ClientsService {
    table: Arc<dyn Table>,
    clock: Arc<dyn Clock>,
    audit: AuditSink,
    access: Access,
    /// The process's access tokens: their revocation entries are written and noted here.
    access_tokens: Arc<AccessTokens>,
    /// What an assertion's `aud` may name: the token endpoint's URL, or the issuer.
    audiences: [String; 2],
    /// Clock skew allowed on assertions, in seconds.
    leeway: i64,
}

impl ClientsService {
    /// The service on `table`, revoking through `access_tokens`. Makes no I/O.
    pub fn new(
        table: Arc<dyn Table>,
        clock: Arc<dyn Clock>,
        access_tokens: Arc<AccessTokens>,
        settings: &TokenSettings,
    ) -> Self {
        Self {
            audit: AuditSink::new(Arc::clone(&table), Arc::clone(&clock)),
            access: Access::new(Arc::clone(&table)),
            access_tokens,
            audiences: [settings.token_endpoint(), settings.issuer.clone()],
            leeway: i64::try_from(settings.leeway.as_secs()).unwrap_or(i64::MAX / 4),
            table,
            clock,
        }
    }

    /// The gate, for handlers to ask before calling a scoped method.
    pub fn access(&self) -> &Access {
        &self.access
    }

    fn event(
        &self,
        at: &Scoped,
        action: &'static str,
        origin: &RequestOrigin,
        resource: impl std::fmt::Display,
    ) -> Result<AuditEvent, ClientError> {
        Ok(self
            .audit
            .scoped_event(at, action, Outcome::Success, origin)?
            .resource(resource))
    }

    /// One page of `query`, each item read back with `parse`.
    async fn page<T>(
        &self,
        query: Query,
        parse: impl Fn(&Item) -> Result<T, crate::store::BadAttribute>,
    ) -> Result<Paged<T>, ClientError> {
        let page = self.table.query(&query).await?;
        Ok(Paged {
            items: page.items.iter().map(parse).collect::<Result<_, _>>()?,
            next_cursor: page.next_cursor,
        })
    }
}

impl GroupService for ClientsService {
    async fn build(state: &AppState) -> Result<Self, ApiError> {
        Ok(Self::new(
            Arc::clone(&state.ports.table),
            Arc::clone(&state.ports.clock),
            Arc::clone(&state.access_tokens),
            &state.settings.tokens,
        ))
    }
}
