//! Token refreshes under faults, with signing-key rotations between rounds: users each follow a
//! chain of refreshes (each refresh token spent by the next), retrying a 503 with the same
//! token. A refresh whose rotation was stored but whose reply was lost makes its retry a reuse
//! (the grace window is 0 by default), which revokes the family: the client sees 401 and
//! starts a new family from its session. With the faults gone: the last token of every chain
//! refreshes, every token of a family the client saw revoked is refused, every access token
//! acknowledged verifies, and each stored family holds exactly one token per generation it
//! reached (none beyond), and every signing key written is published.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use coffer_core::http::ApiError;
use coffer_core::ids::RefreshFamilyId;
use coffer_core::store::schema;
use coffer_testkit::{TestApp, User};
use futures_util::{StreamExt, stream};
use serde_json::{Value, json};

use super::retry::{ATTEMPTS, Tally, until_answered};
use super::rig::{Rig, scale};

/// Chains followed at once.
const AT_ONCE: usize = 8;
/// Signing keys sign this long after they are published (the default lead) and a bit.
const LEAD: Duration = Duration::from_secs(3601);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_faults_refreshed_tokens_work_or_are_cleanly_revoked_and_no_family_is_in_two_states()
{
    let rig = Rig::embedded("refresh");
    refreshes(&rig, 32 * scale(), 4, 5).await;
}

/// One user's chain: what the client was given and what it saw revoked.
#[derive(Debug, Default)]
struct Chain {
    /// The refresh token the client holds now (acknowledged, not yet spent).
    current: Option<String>,
    /// Access tokens acknowledged.
    access: Vec<String>,
    /// Refresh tokens of families the client was told are revoked (401 after a lost reply),
    /// with every earlier token of the same family.
    revoked: Vec<Vec<String>>,
    /// The tokens of the current family, oldest first.
    family: Vec<String>,
}

/// `users` chains, `rounds` rounds of `per_round` refreshes each, a signing-key rotation
/// between rounds.
pub async fn refreshes(rig: &Rig, users: usize, rounds: usize, per_round: usize) {
    let started = Instant::now();
    let tally = Tally::default();
    let mut people = Vec::new();
    for _ in 0..users {
        people.push(rig.healthy.sign_up().await);
    }
    let mut chains: Vec<Chain> = (0..users).map(|_| Chain::default()).collect();
    let mut rotations = 0;
    for round in 0..rounds {
        if round > 0 {
            rotations += usize::from(rotate_signing_key(rig, &tally).await);
        }
        let taken = std::mem::take(&mut chains);
        chains = stream::iter(people.iter().zip(taken))
            .map(|(user, mut chain)| {
                let (app, tally) = (&rig.faulty, &tally);
                async move {
                    for _ in 0..per_round {
                        refresh_once(app, tally, user, &mut chain).await;
                    }
                    chain
                }
            })
            .buffered(AT_ONCE)
            .collect()
            .await;
    }
    let revoked: usize = chains.iter().map(|c| c.revoked.len()).sum();
    rig.report(&format!(
        "{users} chains × {} refreshes, {rotations} signing-key rotations, in {:?}; {revoked} families revoked after a lost reply; client saw {}",
        rounds * per_round,
        started.elapsed(),
        tally.summary()
    ));
    tally.assert_clean();
    // Before the checks below refresh anything themselves.
    nothing_half_written(rig).await;

    // With the faults gone.
    let healthy = &rig.healthy;
    healthy.state.access_tokens.keys().refresh().await.unwrap();
    for chain in &chains {
        for access in &chain.access {
            let me = healthy.get("/v1/auth/me", Some(access)).await;
            assert_eq!(
                me.code(),
                200,
                "an acknowledged access token verifies: {}",
                me.body
            );
        }
        for family in &chain.revoked {
            for token in family {
                let again = healthy.refresh(token).await;
                assert_eq!(
                    again.code(),
                    401,
                    "a revoked family stays revoked: {}",
                    again.body
                );
            }
        }
        let current = chain.current.as_ref().expect("every chain holds a token");
        let refreshed = healthy.refresh(current).await;
        assert_eq!(
            refreshed.code(),
            200,
            "the last token refreshes: {}",
            refreshed.body
        );
    }
}

/// One refresh of `chain` (or, with no token held, a new pair from the session).
async fn refresh_once(app: &TestApp, tally: &Tally, user: &User, chain: &mut Chain) {
    let Some(current) = chain.current.clone() else {
        let (issued, _) = until_answered(tally, "issue", || {
            app.post(
                "/v1/tokens",
                json!({"ttl_seconds": 86_400}),
                Some(&user.token),
            )
        })
        .await;
        match issued.code() {
            201 => take_pair(chain, &issued.body),
            // Given up on, or a 5xx `until_answered` noted.
            500.. => {}
            _ => tally.unexpected(format!("issue: {} {}", issued.code(), issued.body)),
        }
        return;
    };
    let (reply, failed_before) = until_answered(tally, "refresh", || app.refresh(&current)).await;
    match reply.code() {
        200 => take_pair(chain, &reply.body),
        401 if failed_before => {
            tally.count("refresh: 401 after a lost reply (the family is revoked)");
            chain.revoked.push(std::mem::take(&mut chain.family));
            chain.current = None;
        }
        // Given up on, or a 5xx `until_answered` noted.
        500.. => {}
        _ => tally.unexpected(format!("refresh: {} {}", reply.code(), reply.body)),
    }
}

fn take_pair(chain: &mut Chain, body: &Value) {
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();
    chain
        .access
        .push(body["access_token"].as_str().unwrap().to_owned());
    chain.family.push(refresh.clone());
    chain.current = Some(refresh);
}

/// Rotates the signing key through the faulty ports (as the cleanup run does), retrying what
/// may be retried; then lets it sign. Whether a rotation was acknowledged.
async fn rotate_signing_key(rig: &Rig, tally: &Tally) -> bool {
    let keys = rig.faulty.state.access_tokens.keys();
    let mut rotated = false;
    for _ in 0..ATTEMPTS {
        match keys.store().rotate_now().await {
            Ok(_) => {
                rotated = true;
                break;
            }
            Err(err) => {
                let answer = ApiError::from(err);
                if answer.status() == 503 || answer.status() == 409 {
                    tally.count(format!("signing-key rotation: {}", answer.status()));
                } else {
                    tally.unexpected(format!("signing-key rotation: {answer}"));
                    break;
                }
            }
        }
    }
    rig.faulty.clock.advance(LEAD.try_into().unwrap());
    for _ in 0..ATTEMPTS {
        if keys.refresh().await.is_ok() {
            break;
        }
    }
    rotated
}

/// Every family the faulty app stored holds one token per generation it reached, none beyond;
/// every token names a family that exists; every signing key written is published.
async fn nothing_half_written(rig: &Rig) {
    let table = &rig.healthy.state.ports.table;
    let families = rig
        .ledger
        .items_of(RefreshFamilyId::parse, schema::refresh_family);
    let tokens = rig.ledger.items_of(
        |digest| Some(digest.to_owned()),
        |digest| schema::refresh_token(digest),
    );
    let mut generations: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut problems = Vec::new();
    for token in &tokens {
        let item = table
            .get(&schema::refresh_token(token))
            .await
            .unwrap()
            .unwrap();
        let family = item.attrs["family"].as_str().unwrap().to_owned();
        let generation = item.attrs["generation"].as_u64().unwrap();
        generations.entry(family).or_default().push(generation);
    }
    let mut revoked = 0;
    for family in &families {
        let item = table
            .get(&schema::refresh_family(family))
            .await
            .unwrap()
            .unwrap();
        let is_revoked = item.attrs.get("revoked").and_then(Value::as_bool) == Some(true);
        revoked += usize::from(is_revoked);
        let mut held = generations.remove(family.as_str()).unwrap_or_default();
        held.sort_unstable();
        // One token per generation reached; a revocation may move the family one generation
        // on without a token (so that a refresh that read it before cannot undo it).
        let reached = |last: u64| (1..=last).collect::<Vec<u64>>();
        let consistent = held == reached(item.version)
            || (is_revoked && held == reached(item.version.saturating_sub(1)));
        if !consistent {
            problems.push(format!(
                "{family} is at generation {} but holds tokens of generations {held:?}",
                item.version
            ));
        }
    }
    for (family, held) in &generations {
        // Families started before the faulty app wrote anything are not in the ledger.
        if RefreshFamilyId::parse(family).is_none_or(|id| !families.contains(&id)) {
            let id = RefreshFamilyId::parse(family).unwrap();
            if table
                .get(&schema::refresh_family(&id))
                .await
                .unwrap()
                .is_none()
            {
                problems.push(format!("tokens {held:?} of {family}, which does not exist"));
            }
        }
    }
    let published: BTreeSet<String> = rig.healthy.published_kids().await.into_iter().collect();
    let signing = rig
        .ledger
        .items_of(|kid| Some(kid.to_owned()), |kid| schema::signing_key(kid));
    for kid in &signing {
        if !published.contains(kid) {
            problems.push(format!("signing key {kid} written but not published"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} half-written: {problems:#?}",
        problems.len()
    );
    eprintln!(
        "faults/refresh: scanned {} families ({revoked} revoked), {} refresh tokens, {} signing keys",
        families.len(),
        tokens.len(),
        signing.len()
    );
}
