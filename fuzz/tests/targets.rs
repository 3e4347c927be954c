//! The stable driver: every fuzz target over its seeds (valid tokens, envelopes, cursors... made
//! with the product's own encoders and keys), mutations of them, and random bytes. A fixed
//! number of executions per target (`COFFER_FUZZ_EXECUTIONS`, default 4000) from a fixed random
//! seed (`COFFER_FUZZ_SEED`), so a failure reproduces; a panic names the target and the input.

use std::panic::{AssertUnwindSafe, catch_unwind};

use coffer_fuzz::mutate::{mutate, random_input};
use coffer_fuzz::{TARGETS, Target};

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs `target` over its seeds, then `executions` mutated or random inputs.
fn drive(target: Target) {
    let executions = setting("COFFER_FUZZ_EXECUTIONS", 4000);
    let mut rng = fastrand::Rng::with_seed(setting("COFFER_FUZZ_SEED", 0x00c0_ffee));
    let seeds = (target.seeds)();
    assert!(!seeds.is_empty(), "{} has seeds", target.name);
    let run = |input: &[u8]| {
        if catch_unwind(AssertUnwindSafe(|| (target.run)(input))).is_err() {
            panic!(
                "fuzz target {} failed on input {:?} (as text: {:?})",
                target.name,
                input,
                String::from_utf8_lossy(input)
            );
        }
    };
    for seed in &seeds {
        run(seed);
    }
    let mut pool = seeds.clone();
    for i in 0..executions {
        let input = if i % 8 == 7 {
            random_input(&mut rng)
        } else {
            let base = &pool[rng.usize(0..pool.len())];
            mutate(&mut rng, base, &seeds)
        };
        run(&input);
        // Keep some mutants as bases: mutations of mutations reach further.
        if i % 16 == 0 && pool.len() < 256 {
            pool.push(input);
        }
    }
}

macro_rules! targets {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let target = coffer_fuzz::target(stringify!($name)).expect("a target of that name");
                drive(target);
            }
        )*

        #[test]
        fn every_target_has_a_stable_test() {
            let tested = [$(stringify!($name)),*];
            for target in TARGETS {
                assert!(tested.contains(&target.name), "{} has no test", target.name);
            }
        }
    };
}

targets!(
    jws,
    access_token,
    client_assertion,
    envelope,
    ciphertext,
    pii_detect,
    pii_anonymize,
    json_body,
    cursor,
    idempotency_key,
);
