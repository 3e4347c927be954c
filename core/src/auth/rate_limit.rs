//! Rate limits and login lockouts on the Table's atomic counters.
//!
//! Limits count in fixed windows ([`schema::rate_counter`] of a [`RateBucket`]), so the counter's
//! key says when it resets and one `increment` is the whole cost of a check. Guesses at a password
//! count per email address (in the address's partition, [`schema::email_partition`], whether or
//! not an account has it) *before* the password is checked, so that however many race, only the
//! first `max_failures` of a window reach Argon2; the failure that uses the window up locks the
//! address, and each further lockout within a day lasts twice as long as the one before. A
//! success clears the count; the end of a lockout starts a fresh one.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::AuthError;
use crate::clock::Clock;
use crate::store::schema::{self, RateBucket};
use crate::store::{Condition, Item, Query, StoreError, Table, TxOp};

const LOCKOUT_MEMORY: Duration = Duration::from_secs(86_400);

/// Items read from an address's partition: its claim, lock, lockout count and a few windows'
/// guess counters.
const PARTITION_READ: usize = 20;

/// Where a client stands against one limit; what the `x-ratelimit-*` headers say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the window resets.
    pub reset_after: u64,
    /// This request went over the limit.
    pub exceeded: bool,
}

impl Quota {
    /// The error for a request over the limit, if this one was.
    pub fn check(&self) -> Result<(), AuthError> {
        if self.exceeded {
            Err(AuthError::RateLimited {
                retry_after: self.reset_after.max(1),
            })
        } else {
            Ok(())
        }
    }
}

/// The lockout rule for one kind of credential check.
#[derive(Debug, Clone, Copy)]
pub struct LockoutPolicy {
    /// Failures within `window` that lock the account.
    pub max_failures: u32,
    pub window: Duration,
    /// The first lockout's length, doubled for each further lockout within a day.
    pub base: Duration,
    pub max: Duration,
}

impl LockoutPolicy {
    /// How long the `nth` lockout (1-based) within a day lasts.
    pub fn lockout_for(&self, nth: i64) -> Duration {
        let doublings = u32::try_from(nth.saturating_sub(1))
            .unwrap_or(u32::MAX)
            .min(20);
        self.base.saturating_mul(1 << doublings).min(self.max)
    }
}

/// Where an address stands against its guess limit, from one read of its partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AccountStanding {
    /// Seconds the current lockout still lasts.
    pub locked_for: Option<u64>,
    /// Where the window guesses count in starts: the fixed window's start, or the end of the
    /// last lockout if that is later (a lockout that ends starts a fresh count).
    window_start: i64,
    /// The lock item as read (its version), ended or not: locking again replaces exactly it.
    lock_version: Option<u64>,
    /// The lockout count as read: (version, count).
    lockouts: Option<(u64, i64)>,
    lockouts_expire: Option<i64>,
}

/// One counted guess: its number in the window, counted before the password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    pub number: i64,
}

/// The key a client IP counts under: the address for IPv4, the /64 network for IPv6 (one host
/// usually holds a whole /64). Without an IP (the transport always gives one on Lambda and on the
/// local server; only an in-process caller has none) the request counts alone, never in one
/// bucket shared by every such caller, where one could use up everyone's quota.
pub fn ip_bucket(ip: Option<IpAddr>) -> String {
    match ip {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        None => {
            tracing::warn!("a request without a client IP: its per-IP quota is its own");
            format!("unknown-{}", ulid::Ulid::new().to_string().to_lowercase())
        }
    }
}

/// Counters and lockouts in the table.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    table: Arc<dyn Table>,
    clock: Arc<dyn Clock>,
}

impl RateLimiter {
    pub fn new(table: Arc<dyn Table>, clock: Arc<dyn Clock>) -> Self {
        Self { table, clock }
    }

    /// Counts one request against `limit` per `window` for `bucket` (one atomic increment).
    #[tracing::instrument(level = "debug", skip(self))]
    pub async fn hit(
        &self,
        bucket: RateBucket<'_>,
        limit: u32,
        window: Duration,
    ) -> Result<Quota, AuthError> {
        let now = self.clock.unix();
        let window = i64::try_from(window.as_secs().max(1)).unwrap_or(i64::MAX);
        let start = now - now.rem_euclid(window);
        let end = start.saturating_add(window);
        let count = self
            .table
            .increment(&schema::rate_counter(bucket, start), 1, end)
            .await?;
        let used = u32::try_from(count.max(0)).unwrap_or(u32::MAX);
        if used > limit {
            crate::telemetry::rate_limit_refused(crate::telemetry::bucket_limit(&bucket));
        }
        Ok(Quota {
            limit,
            remaining: limit.saturating_sub(used),
            reset_after: u64::try_from(end - now).unwrap_or(0),
            exceeded: used > limit,
        })
    }

    /// The address's standing (one query on the address's partition); `email_digest` is
    /// [`crate::auth::EmailDigest`] (the keyed digest of the address).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn standing(
        &self,
        email_digest: &str,
        policy: &LockoutPolicy,
    ) -> Result<AccountStanding, AuthError> {
        let page = self
            .table
            .query(&Query::partition(schema::email_partition(email_digest)).limit(PARTITION_READ))
            .await?;
        Ok(self.standing_of(email_digest, &page.items, policy))
    }

    /// The standing among the items of the address's partition (read with whatever else lives
    /// there, so that a login needs one query for both).
    pub fn standing_of(
        &self,
        email_digest: &str,
        items: &[Item],
        policy: &LockoutPolicy,
    ) -> AccountStanding {
        let now = self.clock.unix();
        let (lock, lockouts) = (
            schema::login_lock(email_digest),
            schema::lockout_count(email_digest),
        );
        let mut standing = AccountStanding {
            window_start: window_start(now, policy),
            ..AccountStanding::default()
        };
        for item in items.iter().filter(|item| item.is_live(now)) {
            if item.key == lock {
                // `until` since locks outlive their end by a window; older locks ended with
                // their expiry.
                let until = item
                    .attrs
                    .get("until")
                    .and_then(Value::as_i64)
                    .or(item.expires_at)
                    .unwrap_or(now);
                standing.lock_version = Some(item.version);
                if until > now {
                    standing.locked_for = Some(u64::try_from(until - now).unwrap_or(0).max(1));
                } else {
                    standing.window_start = standing.window_start.max(until);
                }
            } else if item.key == lockouts {
                let count = item.attrs.get("count").and_then(Value::as_i64).unwrap_or(0);
                standing.lockouts = Some((item.version, count));
                standing.lockouts_expire = item.expires_at;
            }
        }
        standing
    }

    /// Counts one guess at the address's password before it is checked (one atomic
    /// increment), so that a burst of guesses cannot all reach Argon2: only the first
    /// `max_failures` of a window may be checked. `Err` is the refusal of one past the limit.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn count_guess(
        &self,
        email_digest: &str,
        standing: &AccountStanding,
        policy: &LockoutPolicy,
    ) -> Result<Result<Attempt, AuthError>, AuthError> {
        let now = self.clock.unix();
        let window = i64::try_from(policy.window.as_secs().max(1)).unwrap_or(i64::MAX);
        let end = standing.window_start.saturating_add(window);
        let number = self
            .table
            .increment(
                &schema::login_failures(email_digest, standing.window_start),
                1,
                end,
            )
            .await?;
        if number > i64::from(policy.max_failures) {
            // Refused unchecked until the window ends, a success clears it, or a lockout ends.
            let retry_after = u64::try_from(end - now).unwrap_or(0).max(1);
            crate::telemetry::rate_limit_refused("login-failures");
            return Ok(Err(AuthError::Locked { retry_after }));
        }
        Ok(Ok(Attempt { number }))
    }

    /// Locks the address after the failed guess that used up the window (idempotent: of racing
    /// lockers exactly one writes the lock, the rest find it there). The lock outlives its end
    /// by a window, so that guesses after it count afresh. Answers the lockout's length, or
    /// `None` when another request locked it first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn lock(
        &self,
        email_digest: &str,
        standing: &AccountStanding,
        policy: &LockoutPolicy,
    ) -> Result<Option<Duration>, AuthError> {
        let now = self.clock.unix();
        let (lockouts_version, lockouts) = standing.lockouts.unwrap_or((0, 0));
        let nth = lockouts.saturating_add(1);
        let length = policy.lockout_for(nth);
        let until = now.saturating_add(i64::try_from(length.as_secs()).unwrap_or(i64::MAX));
        let window = i64::try_from(policy.window.as_secs()).unwrap_or(i64::MAX);
        let memory = i64::try_from(LOCKOUT_MEMORY.as_secs()).unwrap_or(i64::MAX);
        let as_read = |version: Option<u64>| match version {
            Some(version) => (Condition::VersionEquals(version), version + 1),
            None => (Condition::MustNotExist, 1),
        };
        let (lock_condition, lock_version) = as_read(standing.lock_version);
        let (count_condition, count_version) = as_read(standing.lockouts.map(|_| lockouts_version));
        let result = self
            .table
            .transact(vec![
                TxOp::Put {
                    item: Item::new(schema::login_lock(email_digest))
                        .with_version(lock_version)
                        .with_expiry(until.saturating_add(window))
                        .with_attr("until", until),
                    condition: lock_condition,
                },
                TxOp::Put {
                    item: Item::new(schema::lockout_count(email_digest))
                        .with_version(count_version)
                        .with_expiry(standing.lockouts_expire.unwrap_or(now + memory))
                        .with_attr("count", nth),
                    condition: count_condition,
                },
            ])
            .await;
        match result {
            Ok(()) => Ok(Some(length)),
            Err(
                StoreError::TransactionFailed { .. }
                | StoreError::ConditionFailed
                | StoreError::Conflict,
            ) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// Forgets the guesses counted in the window (after a success).
    pub fn clear_failures_op(&self, email_digest: &str, standing: &AccountStanding) -> TxOp {
        TxOp::Delete {
            key: schema::login_failures(email_digest, standing.window_start),
            condition: Condition::None,
        }
    }

    /// Ends the address's lockout and starts a fresh count of guesses (after a password reset
    /// proves who is asking): the lock is replaced by one that has just ended.
    pub fn unlock_op(&self, email_digest: &str, policy: &LockoutPolicy) -> TxOp {
        let now = self.clock.unix();
        let window = i64::try_from(policy.window.as_secs()).unwrap_or(i64::MAX);
        TxOp::Put {
            item: Item::new(schema::login_lock(email_digest))
                .with_expiry(now.saturating_add(window))
                .with_attr("until", now),
            condition: Condition::None,
        }
    }
}

/// The start of the failure-counting window `now` falls in.
fn window_start(now: i64, policy: &LockoutPolicy) -> i64 {
    let window = i64::try_from(policy.window.as_secs().max(1)).unwrap_or(i64::MAX);
    now - now.rem_euclid(window)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;
    use crate::store::sqlite::SqliteTable;

    fn limiter() -> (RateLimiter, Arc<ManualClock>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let clock =
            ManualClock::new(time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap());
        let table = SqliteTable::open(dir.path().join("t.sqlite3"), clock.clone()).unwrap();
        (RateLimiter::new(Arc::new(table), clock.clone()), clock, dir)
    }

    const BUCKET: RateBucket<'static> = RateBucket::LoginIp("203.0.113.7");
    const DIGEST: &str = "q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c";

    fn policy() -> LockoutPolicy {
        LockoutPolicy {
            max_failures: 3,
            window: Duration::from_secs(3_600),
            base: Duration::from_secs(60),
            max: Duration::from_secs(300),
        }
    }

    #[tokio::test]
    async fn a_limit_counts_down_then_refuses_until_the_window_ends() {
        let (limiter, clock, _dir) = limiter();
        let first = limiter
            .hit(BUCKET, 2, Duration::from_secs(3_600))
            .await
            .unwrap();
        assert_eq!((first.remaining, first.exceeded), (1, false));
        assert!(first.reset_after <= 3_600);
        limiter
            .hit(BUCKET, 2, Duration::from_secs(3_600))
            .await
            .unwrap();
        let third = limiter
            .hit(BUCKET, 2, Duration::from_secs(3_600))
            .await
            .unwrap();
        assert_eq!((third.remaining, third.exceeded), (0, true));
        assert!(matches!(third.check(), Err(AuthError::RateLimited { .. })));
        clock.advance(time::Duration::seconds(
            i64::try_from(third.reset_after).unwrap(),
        ));
        let later = limiter
            .hit(BUCKET, 2, Duration::from_secs(3_600))
            .await
            .unwrap();
        assert_eq!((later.remaining, later.exceeded), (1, false));
    }

    /// `n` guesses that all fail, the last of which locks when it uses the window up.
    async fn fail(limiter: &RateLimiter, policy: &LockoutPolicy, n: u32) -> Option<Duration> {
        let mut locked = None;
        for _ in 0..n {
            let standing = limiter.standing(DIGEST, policy).await.unwrap();
            let attempt = limiter
                .count_guess(DIGEST, &standing, policy)
                .await
                .unwrap()
                .unwrap();
            if attempt.number >= i64::from(policy.max_failures) {
                locked = limiter.lock(DIGEST, &standing, policy).await.unwrap();
            }
        }
        locked
    }

    #[tokio::test]
    async fn lockouts_lengthen_and_end() {
        let (limiter, clock, _dir) = limiter();
        let policy = policy();
        for round in 1..=4u32 {
            assert_eq!(fail(&limiter, &policy, 2).await, None);
            let locked = fail(&limiter, &policy, 1).await.unwrap();
            let want = Duration::from_secs((60 << (round - 1)).min(300));
            assert_eq!(locked, want, "round {round}");
            let standing = limiter.standing(DIGEST, &policy).await.unwrap();
            assert_eq!(standing.locked_for, Some(want.as_secs()));
            clock.advance(time::Duration::seconds(
                i64::try_from(want.as_secs()).unwrap(),
            ));
            assert_eq!(
                limiter.standing(DIGEST, &policy).await.unwrap().locked_for,
                None
            );
        }
    }

    #[tokio::test]
    async fn guesses_past_the_limit_are_refused_before_any_check_and_lock_only_once() {
        let (limiter, _clock, _dir) = limiter();
        let policy = policy();
        // Everyone read the partition before anyone counted: a burst.
        let standing = limiter.standing(DIGEST, &policy).await.unwrap();
        let mut allowed = 0;
        for _ in 0..10 {
            if limiter
                .count_guess(DIGEST, &standing, &policy)
                .await
                .unwrap()
                .is_ok()
            {
                allowed += 1;
            }
        }
        assert_eq!(allowed, 3);
        let first = limiter.lock(DIGEST, &standing, &policy).await.unwrap();
        let second = limiter.lock(DIGEST, &standing, &policy).await.unwrap();
        assert_eq!((first, second), (Some(Duration::from_secs(60)), None));
    }

    #[test]
    fn ipv6_clients_count_per_64_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        assert_eq!(ip_bucket(Some(a)), ip_bucket(Some(b)));
        assert_eq!(
            ip_bucket(Some("::ffff:203.0.113.7".parse().unwrap())),
            "203.0.113.7"
        );
        // Requests without an IP no longer share one bucket.
        assert_ne!(ip_bucket(None), ip_bucket(None));
        assert!(ip_bucket(None).starts_with("unknown-"));
    }
}
