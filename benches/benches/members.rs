//! Listing the members of an org with 10,000 of them, one page of 50 at a time, through the whole
//! route on the embedded stack (session lookup, the access gate's membership read, one query),
//! beside the bare query the route makes — and a p50/p95/p99 of the route over 2,000 calls.
//!
//! `cargo bench -p coffer-benches --bench members`

// Setup failures should stop the bench loudly; nothing here runs in production.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Instant;

use coffer_core::access::{Permission, Principal, Role};
use coffer_core::audit::RequestOrigin;
use coffer_core::http::GroupService;
use coffer_core::ids::UserId;
use coffer_core::orgs::{Name, OrgsService, Tier};
use coffer_core::store::{Query, schema};
use coffer_testkit::TestApp;
use criterion::{Criterion, criterion_group, criterion_main};

const MEMBERS: usize = 10_000;

struct Setup {
    app: TestApp,
    token: String,
    org: String,
    middle_cursor: String,
}

async fn setup() -> Setup {
    let app = TestApp::embedded(vec![
        coffer_function_auth::group(),
        coffer_function_orgs::group(),
    ]);
    let owner = app.sign_up().await;
    let orgs = OrgsService::build(&app.state).await.expect("service");
    let owner_id = UserId::parse(&owner.id).expect("id");
    let origin = RequestOrigin::default();
    let org = orgs
        .create(
            &owner_id,
            Name::parse("big").expect("name"),
            Tier::Enterprise,
            &origin,
        )
        .await
        .expect("org");
    let at = orgs
        .access()
        .require(
            &Principal::User(owner_id),
            &org.id,
            Permission::MembersManage,
        )
        .await
        .expect("gate");
    for _ in 1..MEMBERS {
        let user = UserId::generate(time::OffsetDateTime::now_utc()).expect("id");
        orgs.add_user(&at, &user, Role::Member, &origin)
            .await
            .expect("member");
    }
    // A cursor halfway down the list.
    let mut cursor = None;
    for _ in 0..(MEMBERS / 2 / 1000) {
        let page = app
            .get(
                &match &cursor {
                    Some(c) => format!("/v1/orgs/{}/members?limit=1000&cursor={c}", org.id),
                    None => format!("/v1/orgs/{}/members?limit=1000", org.id),
                },
                Some(&owner.token),
            )
            .await;
        cursor = page.body["next_cursor"].as_str().map(str::to_owned);
    }
    Setup {
        token: owner.token,
        org: org.id.to_string(),
        middle_cursor: cursor.expect("a middle cursor"),
        app,
    }
}

fn members(c: &mut Criterion) {
    let Ok(runtime) = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    else {
        return;
    };
    let s = runtime.block_on(setup());
    let first = format!("/v1/orgs/{}/members", s.org);
    let middle = format!("/v1/orgs/{}/members?cursor={}", s.org, s.middle_cursor);

    // Percentiles of the route, as the SLO states them.
    let mut samples = runtime.block_on(async {
        let mut samples = Vec::with_capacity(2_000);
        for i in 0..2_000 {
            let path = if i % 2 == 0 { &first } else { &middle };
            let start = Instant::now();
            let reply = s.app.get(path, Some(&s.token)).await;
            samples.push(start.elapsed());
            assert_eq!(reply.body["items"].as_array().map(Vec::len), Some(50));
        }
        samples
    });
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    println!(
        "members/route page of 50 of {MEMBERS}: p50 {:?}  p95 {:?}  p99 {:?}",
        at(0.50),
        at(0.95),
        at(0.99)
    );

    let mut group = c.benchmark_group("members");
    group.bench_function("route/first_page_of_50", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(s.app.get(&first, Some(&s.token)).await) })
    });
    group.bench_function("route/middle_page_of_50", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(s.app.get(&middle, Some(&s.token)).await) })
    });
    // The reference: the one query the route makes, straight on the table.
    let table = s.app.state.ports.table.clone();
    let org = coffer_core::ids::OrgId::parse(&s.org).expect("org id");
    group.bench_function("bare_query/page_of_50", |b| {
        b.to_async(&runtime).iter(|| async {
            black_box(
                table
                    .query(
                        &Query::partition(schema::org_partition(&org))
                            .prefix(schema::ORG_MEMBERS_PREFIX)
                            .limit(50),
                    )
                    .await,
            )
        })
    });
    group.finish();
}

criterion_group!(benches, members);
criterion_main!(benches);
