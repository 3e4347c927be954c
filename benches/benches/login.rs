//! What a login costs, split into Argon2 and everything else (rate limits, look-ups, the session
//! and audit writes, the blocking-pool hand-offs), on the embedded backend with the default
//! (OWASP) Argon2id parameters. The rest should stay under 1% of the Argon2 time.
//!
//! `cargo bench -p coffer-benches --bench login` prints criterion's figures for `argon2_verify`
//! and `login_full`, then a breakdown over 50 logins: Argon2 (the hasher's own clock), the table
//! round trips (a timing wrapper around the SQLite table), and the rest — Coffer's own work.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use coffer_core::audit::RequestOrigin;
use coffer_core::auth::{AuthService, ClientKind, Email, Registration, SecretString};
use coffer_core::store::{Condition, Item, Key, Page, Query, StoreError, Table, TxOp};
use coffer_core::{Clock, Settings, SystemClock};
use criterion::{Criterion, criterion_group, criterion_main};
use std::sync::atomic::{AtomicU64, Ordering};

const PASSWORD: &str = "Bench-Walnut-Orbit-Falcon-93";
const BREAKDOWN_LOGINS: u32 = 50;

/// The SQLite table, timing every call.
#[derive(Debug)]
struct TimedTable {
    inner: Arc<dyn Table>,
    nanos: AtomicU64,
    calls: AtomicU64,
}

impl TimedTable {
    async fn time<T>(&self, call: impl std::future::Future<Output = T>) -> T {
        let started = Instant::now();
        let out = call.await;
        let spent = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.nanos.fetch_add(spent, Ordering::Relaxed);
        self.calls.fetch_add(1, Ordering::Relaxed);
        out
    }

    fn spent(&self) -> (Duration, u64) {
        (
            Duration::from_nanos(self.nanos.load(Ordering::Relaxed)),
            self.calls.load(Ordering::Relaxed),
        )
    }
}

#[async_trait::async_trait]
impl Table for TimedTable {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.time(self.inner.get(key)).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.time(self.inner.put(item, condition)).await
    }
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.time(self.inner.delete(key, condition)).await
    }
    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        self.time(self.inner.query(query)).await
    }
    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), StoreError> {
        self.time(self.inner.transact(ops)).await
    }
    async fn increment(&self, key: &Key, by: i64, expires_at: i64) -> Result<i64, StoreError> {
        self.time(self.inner.increment(key, by, expires_at)).await
    }
    async fn sweep_expired(
        &self,
        limit: usize,
        from: Option<&coffer_core::store::Cursor>,
    ) -> Result<coffer_core::store::Sweep, StoreError> {
        self.inner.sweep_expired(limit, from).await
    }
    async fn ping(&self) -> Result<(), StoreError> {
        self.inner.ping().await
    }
}

struct Fixture {
    table: Arc<TimedTable>,
    service: AuthService,
    email: Email,
    hash: String,
    origin: RequestOrigin,
    _dir: tempfile::TempDir,
}

fn fixture(runtime: &tokio::runtime::Runtime) -> Option<Fixture> {
    let dir = tempfile::tempdir().ok()?;
    let mut settings = Settings::embedded(dir.path());
    // Limits out of the way: this measures the work, not the refusals.
    settings.auth.login_per_ip_per_hour = 1_000_000;
    settings.auth.register_per_ip_per_day = 1_000_000;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let ports = coffer_core::Ports::embedded(&settings, clock.clone()).ok()?;
    let table = Arc::new(TimedTable {
        inner: ports.table.clone(),
        nanos: AtomicU64::new(0),
        calls: AtomicU64::new(0),
    });
    let service = AuthService::new(table.clone(), clock, ports.keys.clone(), &settings).ok()?;
    let email = Email::parse("ada@example.com").ok()?;
    let origin = RequestOrigin {
        ip: "203.0.113.7".parse().ok(),
        request_id: Some("req_bench".into()),
        user_agent: Some("criterion".into()),
    };
    let hash = runtime.block_on(async {
        let registration = Registration {
            email: email.clone(),
            password: SecretString::from(PASSWORD),
            name: None,
        };
        service.register(registration, &origin).await.outcome.ok()?;
        service
            .hasher()
            .hash(&SecretString::from(PASSWORD))
            .await
            .ok()
    })?;
    Some(Fixture {
        table,
        service,
        email,
        hash,
        origin,
        _dir: dir,
    })
}

async fn login(f: &Fixture) -> bool {
    let outcome = f
        .service
        .login(
            &f.email,
            SecretString::from(PASSWORD),
            ClientKind::Cli,
            &f.origin,
        )
        .await
        .outcome;
    outcome.is_ok()
}

fn login_cost(c: &mut Criterion) {
    let Ok(runtime) = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    else {
        return;
    };
    let Some(f) = fixture(&runtime) else {
        eprintln!("login bench: could not set up the fixture");
        return;
    };
    let password = SecretString::from(PASSWORD);

    let mut group = c.benchmark_group("login");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(8));
    group.bench_function("argon2_verify", |b| {
        b.to_async(&runtime).iter(|| async {
            black_box(
                f.service
                    .hasher()
                    .verify(&password, Some(&f.hash))
                    .await
                    .is_ok(),
            )
        })
    });
    group.bench_function("login_full", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(login(&f).await) })
    });
    group.finish();

    // The breakdown: Argon2 from the hasher's own clock, the table from the timing wrapper.
    let (total, argon2, (table, calls), ok) = runtime.block_on(async {
        let argon2_before = f.service.hasher().argon2_time();
        let (table_before, calls_before) = f.table.spent();
        let started = Instant::now();
        let mut ok = 0;
        for _ in 0..BREAKDOWN_LOGINS {
            ok += u32::from(login(&f).await);
        }
        let (table_after, calls_after) = f.table.spent();
        (
            started.elapsed(),
            f.service.hasher().argon2_time() - argon2_before,
            (table_after - table_before, calls_after - calls_before),
            ok,
        )
    });
    let n = BREAKDOWN_LOGINS;
    let (per_login, argon2, table) = (total / n, argon2 / n, table / n);
    let rest = per_login.saturating_sub(argon2);
    let own = rest.saturating_sub(table);
    let share =
        |part: Duration| part.as_secs_f64() / argon2.as_secs_f64().max(f64::EPSILON) * 100.0;
    println!(
        "login breakdown over {n} logins ({ok} ok): {:.2} ms per login = Argon2 {:.2} ms + rest {:.0} µs \
         ({:.2}% of Argon2); the rest = {} table calls {:.0} µs ({:.2}%) + Coffer's own work {:.0} µs ({:.2}%)",
        per_login.as_secs_f64() * 1e3,
        argon2.as_secs_f64() * 1e3,
        rest.as_secs_f64() * 1e6,
        share(rest),
        calls / u64::from(n),
        table.as_secs_f64() * 1e6,
        share(table),
        own.as_secs_f64() * 1e6,
        share(own),
    );
}

criterion_group!(benches, login_cost);
criterion_main!(benches);
