//! What a login costs, split into Argon2 and everything else (rate limits, look-ups, the session
//! and audit writes, the blocking-pool hand-offs), on the embedded backend with the default
//! (OWASP) Argon2id parameters. The rest should stay under 1% of the Argon2 time.
//!
//! `cargo bench -p coffer-benches --bench login` prints criterion's figures for `argon2_verify`
//! and `login_full`, then a breakdown measured from the hasher's own clock over 50 logins.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use coffer_core::audit::RequestOrigin;
use coffer_core::auth::{AuthService, ClientKind, Email, Registration, SecretString};
use coffer_core::{Clock, Settings, SystemClock};
use criterion::{Criterion, criterion_group, criterion_main};

const PASSWORD: &str = "Bench-Walnut-Orbit-Falcon-93";
const BREAKDOWN_LOGINS: u32 = 50;

struct Fixture {
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
    let service = AuthService::new(ports.table.clone(), clock, &settings.auth).ok()?;
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

    // The breakdown, from the hasher's own clock: Argon2 time versus the rest of each login.
    let (total, argon2, ok) = runtime.block_on(async {
        let argon2_before = f.service.hasher().argon2_time();
        let started = Instant::now();
        let mut ok = 0;
        for _ in 0..BREAKDOWN_LOGINS {
            ok += u32::from(login(&f).await);
        }
        (
            started.elapsed(),
            f.service.hasher().argon2_time() - argon2_before,
            ok,
        )
    });
    let per_login = total / BREAKDOWN_LOGINS;
    let argon2_per_login = argon2 / BREAKDOWN_LOGINS;
    let rest = per_login.saturating_sub(argon2_per_login);
    let share = rest.as_secs_f64() / argon2_per_login.as_secs_f64().max(f64::EPSILON) * 100.0;
    println!(
        "login breakdown over {BREAKDOWN_LOGINS} logins ({ok} ok): {:.2} ms per login = Argon2 {:.2} ms + rest {:.0} µs ({share:.2}% of the Argon2 time)",
        per_login.as_secs_f64() * 1e3,
        argon2_per_login.as_secs_f64() * 1e3,
        rest.as_secs_f64() * 1e6,
    );
}

criterion_group!(benches, login_cost);
criterion_main!(benches);
