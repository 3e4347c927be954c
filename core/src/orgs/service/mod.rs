//! [`OrgsService`]: tenancy's rules, one file per concern (orgs, members, invitations, teams,
//! vaults). Built once per process by the `orgs` function group.

mod invitations;
mod members;
mod orgs;
mod teams;
mod vaults;

use std::sync::Arc;

use crate::access::Access;
use crate::audit::{AuditEvent, AuditSink, Outcome, RequestOrigin};
use crate::auth::{Email, EmailDigest, EmailIndex, TableOutbox};
use crate::clock::Clock;
use crate::keys::KeyRing;
use crate::settings::OrgSettings;
use crate::store::{Cursor, Item, Query, Table};

pub use members::AddedMember;

use super::OrgError;

/// One page of a list, with where the next one starts.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<Cursor>,
}

#[derive(Debug, Clone)]
pub struct OrgsService {
    table: Arc<dyn Table>,
    clock: Arc<dyn Clock>,
    audit: AuditSink,
    access: Access,
    outbox: TableOutbox,
    /// The keyed digests of addresses (members added by email, invitations).
    emails: EmailIndex,
    settings: OrgSettings,
}

impl OrgsService {
    /// The service on `table`; invitation mail is sealed under data keys from `keys`, and the
    /// email-index key is wrapped by it. Makes no I/O.
    pub fn new(
        table: Arc<dyn Table>,
        clock: Arc<dyn Clock>,
        keys: Arc<dyn KeyRing>,
        settings: &OrgSettings,
    ) -> Self {
        let emails = EmailIndex::new(Arc::clone(&table), Arc::clone(&keys));
        Self::with_email_index(table, clock, keys, emails, settings)
    }

    /// The same, sharing `emails` (and the key it has loaded) with another service.
    pub fn with_email_index(
        table: Arc<dyn Table>,
        clock: Arc<dyn Clock>,
        keys: Arc<dyn KeyRing>,
        emails: EmailIndex,
        settings: &OrgSettings,
    ) -> Self {
        Self {
            audit: AuditSink::new(Arc::clone(&table), Arc::clone(&clock)),
            access: Access::new(Arc::clone(&table)),
            outbox: TableOutbox::new(Arc::clone(&table), keys),
            emails,
            settings: settings.clone(),
            table,
            clock,
        }
    }

    /// The gate, for handlers to ask before calling a scoped method.
    pub fn access(&self) -> &Access {
        &self.access
    }

    /// The recorded mail (admins and tests read invitations here).
    pub fn outbox(&self) -> &TableOutbox {
        &self.outbox
    }

    /// The keyed digest of `email`: its key in the table.
    async fn email_digest(&self, email: &Email) -> Result<EmailDigest, OrgError> {
        Ok(self.emails.digest(email).await?)
    }

    fn event(
        &self,
        at: &crate::access::Scoped,
        action: &'static str,
        origin: &RequestOrigin,
        resource: impl std::fmt::Display,
    ) -> Result<AuditEvent, OrgError> {
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
    ) -> Result<Paged<T>, OrgError> {
        let page = self.table.query(&query).await?;
        Ok(Paged {
            items: page.items.iter().map(parse).collect::<Result<_, _>>()?,
            next_cursor: page.next_cursor,
        })
    }
}

impl crate::http::GroupService for OrgsService {
    async fn build(state: &crate::http::AppState) -> Result<Self, crate::http::ApiError> {
        let (settings, ports) = (&state.settings, &state.ports);
        Ok(Self::new(
            Arc::clone(&ports.table),
            Arc::clone(&ports.clock),
            Arc::clone(&ports.keys),
            &settings.orgs,
        ))
    }
}
