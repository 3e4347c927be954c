//! What each main route costs on AWS: its DynamoDB, KMS and S3 calls counted through the ports
//! (the whole app in-process on the embedded backends, each route in a new process of its
//! function: the first call with cold caches, then warm ones), the DynamoDB request units those
//! calls would consume, the route's own CPU time, and from them a modelled Lambda duration,
//! concurrency and price per million requests (`docs/capacity.md` explains the model).
//!
//! `cargo run --profile bench -p coffer-benches --example route_costs -- [warm_calls=30]`
//!
//! Argon2 runs with the deployment's parameters (`COFFER_ARGON2_*` from the environment, else
//! the defaults), so logins cost what they do.

mod capacity;
mod counting;
mod measure;
mod model;
mod process;
mod report;
mod routes;

use std::process::ExitCode;

use coffer_core::Settings;
use coffer_testkit::TestApp;

use crate::report::Report;
use crate::routes::{Fixture, Function, Route};

const USAGE: &str = "usage: route_costs [warm_calls=30]";

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("route_costs: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("route_costs: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let warm: usize = match args.as_slice() {
        [] => 30,
        [n] => n.parse().map_err(|_| USAGE)?,
        _ => return Err(USAGE.into()),
    };
    let template =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml"))?;
    let memory = model::memory_sizes(&template)?;

    // The testkit keeps Argon2 small for tests; the deployment's parameters here.
    let deployment = Settings::from_env()?;
    let app = TestApp::embedded_with(
        Function::ALL.iter().map(|f| f.group()).collect(),
        |settings| {
            settings.auth.argon2_memory_kib = deployment.auth.argon2_memory_kib;
            settings.auth.argon2_iterations = deployment.auth.argon2_iterations;
            settings.auth.argon2_parallelism = deployment.auth.argon2_parallelism;
        },
    );
    eprintln!("route_costs: setting up (users, orgs, a client, a key, a dataset)...");
    let mut fixture = Fixture::setup(app).await?;

    let mut measured = Vec::with_capacity(Route::ALL.len());
    for route in Route::ALL {
        eprintln!("route_costs: {} ({warm} warm calls)", route.label());
        measured.push(measure::route(&mut fixture, route, warm).await?);
    }

    println!(
        "<!-- route_costs: {warm} warm calls per route; Argon2 m={} KiB t={} p={}; prices: {} -->\n",
        deployment.auth.argon2_memory_kib,
        deployment.auth.argon2_iterations,
        deployment.auth.argon2_parallelism,
        model::PRICES.as_of
    );
    let report = Report {
        measured: &measured,
        memory: &memory,
    };
    report.calls();
    report.capacity();
    report.sizes();
    report.durations();
    report.costs();
    report.mix();
    Ok(())
}
