//! Rate limits and login lockouts on the Table's atomic counters.
//!
//! Limits count in fixed windows ([`schema::rate_counter`] of a [`RateBucket`]), so the counter's
//! key says when it resets and one `increment` is the whole cost of a check. Failed logins count
//! per email address (in the address's partition, [`schema::email_partition`], whether or not
//! an account has it) and lock the address once there are too many; each further lockout within
//! a day lasts twice as long as the one before.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::AuthError;
use crate::clock::Clock;
use crate::store::schema::{self, RateBucket};
use crate::store::{Condition, Item, Query, Table, TxOp};

const LOCKOUT_MEMORY: Duration = Duration::from_secs(86_400);

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

/// What an account's failed logins add up to now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AccountStanding {
    /// Seconds the current lockout still lasts.
    pub locked_for: Option<u64>,
    /// Failures in the current window.
    pub failures: i64,
}

/// The key a client IP counts under: the address for IPv4, the /64 network for IPv6 (one host
/// usually holds a whole /64), `unknown` when there is none.
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
        None => "unknown".to_owned(),
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
        Ok(Quota {
            limit,
            remaining: limit.saturating_sub(used),
            reset_after: u64::try_from(end - now).unwrap_or(0),
            exceeded: used > limit,
        })
    }

    /// The address's lockout and failures (one query on the address's partition);
    /// `email_digest` is [`crate::auth::Email::digest`].
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn standing(
        &self,
        email_digest: &str,
        policy: &LockoutPolicy,
    ) -> Result<AccountStanding, AuthError> {
        let page = self
            .table
            .query(&Query::partition(schema::email_partition(email_digest)).limit(10))
            .await?;
        Ok(self.standing_of(email_digest, &page.items, policy))
    }

    /// The lockout and failures among the items of the address's partition (read with whatever
    /// else lives there, so that a login needs one query for both).
    pub fn standing_of(
        &self,
        email_digest: &str,
        items: &[Item],
        policy: &LockoutPolicy,
    ) -> AccountStanding {
        let now = self.clock.unix();
        let lock = schema::login_lock(email_digest);
        let fails = schema::login_failures(email_digest, window_start(now, policy));
        let mut standing = AccountStanding::default();
        for item in items {
            if item.key == lock {
                standing.locked_for = item
                    .expires_at
                    .filter(|until| *until > now)
                    .map(|until| u64::try_from(until - now).unwrap_or(0).max(1));
            } else if item.key == fails {
                standing.failures = item.attrs.get("count").and_then(Value::as_i64).unwrap_or(0);
            }
        }
        standing
    }

    /// Counts a failed credential check against the address. When it is the failure that
    /// reaches the limit, the address is locked and the lockout's length is returned.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn record_failure(
        &self,
        email_digest: &str,
        policy: &LockoutPolicy,
    ) -> Result<Option<Duration>, AuthError> {
        let now = self.clock.unix();
        let fails = schema::login_failures(email_digest, window_start(now, policy));
        let window = i64::try_from(policy.window.as_secs()).unwrap_or(i64::MAX);
        let count = self
            .table
            .increment(&fails, 1, now - now.rem_euclid(window.max(1)) + window)
            .await?;
        if count != i64::from(policy.max_failures) {
            return Ok(None);
        }
        let lockouts_key = schema::lockout_count(email_digest);
        let memory = i64::try_from(LOCKOUT_MEMORY.as_secs()).unwrap_or(i64::MAX);
        let nth = self.table.increment(&lockouts_key, 1, now + memory).await?;
        let length = policy.lockout_for(nth);
        let until = now.saturating_add(i64::try_from(length.as_secs()).unwrap_or(i64::MAX));
        // The lock, and a clean slate of failures for when it ends.
        self.table
            .transact(vec![
                TxOp::Put {
                    item: Item::new(schema::login_lock(email_digest)).with_expiry(until),
                    condition: Condition::None,
                },
                TxOp::Delete {
                    key: fails,
                    condition: Condition::None,
                },
            ])
            .await?;
        Ok(Some(length))
    }

    /// Forgets the address's failures in the current window (after a success).
    pub fn clear_failures_op(&self, email_digest: &str, policy: &LockoutPolicy) -> TxOp {
        TxOp::Delete {
            key: schema::login_failures(email_digest, window_start(self.clock.unix(), policy)),
            condition: Condition::None,
        }
    }

    /// Ends the address's lockout (after a password reset proves who is asking).
    pub fn unlock_op(&self, email_digest: &str) -> TxOp {
        TxOp::Delete {
            key: schema::login_lock(email_digest),
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

    #[tokio::test]
    async fn lockouts_lengthen_and_end() {
        let (limiter, clock, _dir) = limiter();
        let policy = policy();
        for round in 1..=4u32 {
            assert_eq!(limiter.record_failure(DIGEST, &policy).await.unwrap(), None);
            assert_eq!(limiter.record_failure(DIGEST, &policy).await.unwrap(), None);
            let locked = limiter
                .record_failure(DIGEST, &policy)
                .await
                .unwrap()
                .unwrap();
            let want = Duration::from_secs((60 << (round - 1)).min(300));
            assert_eq!(locked, want, "round {round}");
            let standing = limiter.standing(DIGEST, &policy).await.unwrap();
            assert_eq!(standing.locked_for, Some(want.as_secs()));
            assert_eq!(standing.failures, 0);
            clock.advance(time::Duration::seconds(
                i64::try_from(want.as_secs()).unwrap(),
            ));
            assert_eq!(
                limiter.standing(DIGEST, &policy).await.unwrap().locked_for,
                None
            );
        }
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
        assert_eq!(ip_bucket(None), "unknown");
    }
}
