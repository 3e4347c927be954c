//! Which access tokens are refused before they expire: one token (by `jti`), a vault's tokens
//! from before its current generation, and the tokens issued through a certificate or to a
//! client. Each revocation is an entry in one partition that expires once the longest access
//! token issued before it has expired, so the partition holds at most a day of revocations.
//!
//! The trade-off: verification stays pure CPU because each process keeps a copy of the whole
//! partition and reads it again when the copy is older than the bound (`revocation_bound`,
//! default 30 s). A revocation is seen at once by the process that made it (it adds the entry
//! to its own copy) and by every other process within the bound; a revoked token may still be
//! accepted elsewhere for up to that long. A bound of 0 reads the entries a token could match
//! on every verification instead (one to three point reads): immediate everywhere, at the cost
//! of I/O on the hot path.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use crate::clock::Clock;
use crate::ids::{CertificateId, ClientId, VaultId};
use crate::store::attrs;
use crate::store::schema::{self, Revoked, RevokedEntry};
use crate::store::{Condition, Item, Query, Table, TxOp};

use super::{AccessClaims, TokenError};

/// How long an entry must outlive the revocation: the longest access token, plus clock skew.
const ENTRY_LIFETIME: i64 = 86_400 + 300;

/// One process's copy of the revocation entries.
#[derive(Debug, Default)]
struct RevocationList {
    access_tokens: HashSet<String>,
    /// A vault's current generation: tokens carrying an older one are refused.
    vaults: HashMap<VaultId, u64>,
    certificates: HashSet<CertificateId>,
    clients: HashSet<ClientId>,
}

impl RevocationList {
    fn refuses(&self, claims: &AccessClaims) -> bool {
        self.access_tokens.contains(&claims.jti)
            || claims.vault.as_ref().is_some_and(|vault| {
                self.vaults
                    .get(vault)
                    .is_some_and(|current| claims.vgen.unwrap_or(0) < *current)
            })
            || claims
                .crt
                .as_ref()
                .is_some_and(|crt| self.certificates.contains(crt))
            || claims
                .client
                .as_ref()
                .is_some_and(|client| self.clients.contains(client))
    }

    fn add(&mut self, item: &Item) {
        match schema::revoked_entry(&item.key) {
            Some(RevokedEntry::AccessToken(jti)) => {
                self.access_tokens.insert(jti);
            }
            Some(RevokedEntry::Vault(vault)) => {
                let generation = u64::try_from(attrs::count(item, "generation")).unwrap_or(0);
                let entry = self.vaults.entry(vault).or_default();
                *entry = (*entry).max(generation);
            }
            Some(RevokedEntry::Certificate(crt)) => {
                self.certificates.insert(crt);
            }
            Some(RevokedEntry::Client(client)) => {
                self.clients.insert(client);
            }
            None => {}
        }
    }
}

#[derive(Debug)]
struct Copy {
    list: RevocationList,
    read_at: Instant,
}

/// The revocation entries: written in the transaction of the change that revokes, checked by
/// every verification.
#[derive(Debug)]
pub struct Revocations {
    table: Arc<dyn Table>,
    clock: Arc<dyn Clock>,
    bound: Duration,
    copy: RwLock<Option<Arc<RwLock<Copy>>>>,
    reading: tokio::sync::Mutex<()>,
    /// This process's own recent revocations, applied again to each new copy: a read that
    /// started before one committed must not drop it.
    noted: std::sync::Mutex<Vec<(Instant, Item)>>,
}

impl Revocations {
    pub fn new(table: Arc<dyn Table>, clock: Arc<dyn Clock>, bound: Duration) -> Self {
        Self {
            table,
            clock,
            bound,
            copy: RwLock::new(None),
            reading: tokio::sync::Mutex::new(()),
            noted: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// The write that revokes `what` (a vault's entry carries the generation tokens must
    /// reach), to go in the transaction of the revoking change.
    pub fn revoke_op(&self, what: Revoked<'_>, vault_generation: Option<u64>) -> TxOp {
        let now = self.clock.now().unix_timestamp();
        let mut item = Item::new(schema::revocation(what)).with_expiry(now + ENTRY_LIFETIME);
        if let Some(generation) = vault_generation {
            item = item.with_attr("generation", generation);
        }
        TxOp::Put {
            item,
            condition: Condition::None,
        }
    }

    /// Adds a committed revocation to this process's copy, so it holds here at once.
    pub fn note(&self, what: Revoked<'_>, vault_generation: Option<u64>) {
        let mut item = Item::new(schema::revocation(what));
        if let Some(generation) = vault_generation {
            item = item.with_attr("generation", generation);
        }
        let copy = self
            .copy
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(copy) = copy {
            copy.write()
                .unwrap_or_else(PoisonError::into_inner)
                .list
                .add(&item);
        }
        let mut noted = self.noted.lock().unwrap_or_else(PoisonError::into_inner);
        let keep = self.bound.saturating_mul(2) + Duration::from_secs(5);
        noted.retain(|(at, _)| at.elapsed() < keep);
        noted.push((Instant::now(), item));
    }

    /// Whether `claims` name a revoked token, vault generation, certificate or client.
    pub async fn refuses(&self, claims: &AccessClaims) -> Result<bool, TokenError> {
        if self.bound.is_zero() {
            return self.refuses_now(claims).await;
        }
        let copy = self.fresh_copy().await?;
        let copy = copy.read().unwrap_or_else(PoisonError::into_inner);
        Ok(copy.list.refuses(claims))
    }

    /// The copy, read again first if it is older than the bound (one reader at a time; the
    /// others wait for its result rather than reading too).
    async fn fresh_copy(&self) -> Result<Arc<RwLock<Copy>>, TokenError> {
        if let Some(copy) = self.current_if_fresh() {
            return Ok(copy);
        }
        let _reading = self.reading.lock().await;
        if let Some(copy) = self.current_if_fresh() {
            return Ok(copy);
        }
        let read_at = Instant::now();
        let mut list = self.read_all().await?;
        for (_, item) in self
            .noted
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
        {
            list.add(item);
        }
        let copy = Arc::new(RwLock::new(Copy { list, read_at }));
        *self.copy.write().unwrap_or_else(PoisonError::into_inner) = Some(copy.clone());
        Ok(copy)
    }

    fn current_if_fresh(&self) -> Option<Arc<RwLock<Copy>>> {
        let copy = self
            .copy
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()?;
        let read_at = copy.read().unwrap_or_else(PoisonError::into_inner).read_at;
        (read_at.elapsed() < self.bound).then_some(copy)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn read_all(&self) -> Result<RevocationList, TokenError> {
        let now = self.clock.now().unix_timestamp();
        let mut list = RevocationList::default();
        let mut cursor = None;
        loop {
            let page = self
                .table
                .query(
                    &Query::partition(schema::REVOCATIONS)
                        .limit(Query::MAX_LIMIT)
                        .after(cursor),
                )
                .await?;
            for item in page.items.iter().filter(|item| item.is_live(now)) {
                list.add(item);
            }
            cursor = page.next_cursor;
            if cursor.is_none() {
                return Ok(list);
            }
        }
    }

    /// Reads only the entries `claims` could match (bound 0).
    async fn refuses_now(&self, claims: &AccessClaims) -> Result<bool, TokenError> {
        let mut keys = vec![schema::revocation(Revoked::AccessToken(&claims.jti))];
        if let Some(vault) = &claims.vault {
            keys.push(schema::revocation(Revoked::Vault(vault)));
        }
        if let Some(crt) = &claims.crt {
            keys.push(schema::revocation(Revoked::Certificate(crt)));
        }
        if let Some(client) = &claims.client {
            keys.push(schema::revocation(Revoked::Client(client)));
        }
        let now = self.clock.now().unix_timestamp();
        let found =
            futures_util::future::try_join_all(keys.iter().map(|key| self.table.get(key))).await?;
        let mut list = RevocationList::default();
        for item in found.iter().flatten().filter(|item| item.is_live(now)) {
            list.add(item);
        }
        Ok(list.refuses(claims))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::store::sqlite::SqliteTable;

    fn claims() -> AccessClaims {
        AccessClaims {
            iss: "i".into(),
            sub: "cli_01arz3ndektsv4rrffq69g5fav".into(),
            aud: "a".into(),
            exp: 2,
            iat: 1,
            nbf: 1,
            jti: "jti-1".into(),
            scope: String::new(),
            org: None,
            vault: VaultId::parse("vlt_01arz3ndektsv4rrffq69g5fav"),
            client: ClientId::parse("cli_01arz3ndektsv4rrffq69g5fav"),
            vgen: Some(2),
            crt: CertificateId::parse("crt_01arz3ndektsv4rrffq69g5fav"),
        }
    }

    fn revocations(bound: Duration) -> (Revocations, Arc<dyn Table>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let clock: Arc<dyn Clock> = ManualClock::starting_now();
        let table: Arc<dyn Table> =
            Arc::new(SqliteTable::open(dir.path().join("t.sqlite3"), clock.clone()).unwrap());
        (Revocations::new(table.clone(), clock, bound), table, dir)
    }

    async fn commit(
        revocations: &Revocations,
        table: &Arc<dyn Table>,
        what: Revoked<'_>,
        generation: Option<u64>,
    ) {
        table
            .transact(vec![revocations.revoke_op(what, generation)])
            .await
            .unwrap();
    }

    #[test]
    fn a_list_refuses_a_token_by_jti_older_vault_generation_certificate_or_client() {
        let token = claims();
        let mut list = RevocationList::default();
        assert!(!list.refuses(&token));
        list.vaults.insert(token.vault.clone().unwrap(), 2);
        assert!(!list.refuses(&token), "issued under the current generation");
        list.vaults.insert(token.vault.clone().unwrap(), 3);
        assert!(list.refuses(&token));
        for add in [
            |l: &mut RevocationList, c: &AccessClaims| {
                l.access_tokens.insert(c.jti.clone());
            },
            |l: &mut RevocationList, c: &AccessClaims| {
                l.certificates.insert(c.crt.clone().unwrap());
            },
            |l: &mut RevocationList, c: &AccessClaims| {
                l.clients.insert(c.client.clone().unwrap());
            },
        ] {
            let mut list = RevocationList::default();
            add(&mut list, &token);
            assert!(list.refuses(&token));
        }
    }

    #[tokio::test]
    async fn a_revocation_noted_here_holds_at_once_even_inside_the_bound() {
        let (revocations, table, _dir) = revocations(Duration::from_secs(3600));
        let token = claims();
        assert!(!revocations.refuses(&token).await.unwrap(), "copy read now");
        commit(&revocations, &table, Revoked::AccessToken(&token.jti), None).await;
        revocations.note(Revoked::AccessToken(&token.jti), None);
        assert!(revocations.refuses(&token).await.unwrap());
    }

    #[tokio::test]
    async fn another_process_with_a_bound_of_zero_sees_a_revocation_at_once() {
        let (writer, table, _dir) = revocations(Duration::from_secs(3600));
        let reader = Revocations::new(
            table.clone(),
            Arc::new(crate::clock::SystemClock),
            Duration::ZERO,
        );
        let token = claims();
        assert!(!reader.refuses(&token).await.unwrap());
        commit(
            &writer,
            &table,
            Revoked::Vault(token.vault.as_ref().unwrap()),
            Some(3),
        )
        .await;
        assert!(reader.refuses(&token).await.unwrap());
    }

    #[tokio::test]
    async fn another_process_sees_a_revocation_once_its_copy_is_older_than_the_bound() {
        let (writer, table, _dir) = revocations(Duration::from_secs(3600));
        let reader = Revocations::new(
            table.clone(),
            Arc::new(crate::clock::SystemClock),
            Duration::from_millis(200),
        );
        let token = claims();
        assert!(!reader.refuses(&token).await.unwrap());
        commit(
            &writer,
            &table,
            Revoked::Certificate(token.crt.as_ref().unwrap()),
            None,
        )
        .await;
        assert!(
            !reader.refuses(&token).await.unwrap(),
            "inside the bound: the old copy"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(
            reader.refuses(&token).await.unwrap(),
            "past the bound: read again"
        );
    }
}
