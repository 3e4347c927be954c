//! Tier-limit creates: every resource with a ceiling (an org's vaults, certificates, named keys
//! and datasets by tier; a user's orgs by `COFFER_MAX_ORGS_PER_USER`) is created many times at
//! once with three places left: exactly three are made, the rest are 403 `tier-limit`, the list
//! holds three more and the counter stands at the limit. The ceiling is a counter moved in each
//! create's transaction with bounds; the counters are set near the limit through the table, so
//! the bounded write is what refuses.

use coffer_core::ids::{OrgId, UserId};
use coffer_core::store::{Bounds, Key, TxOp, attrs, schema};
use coffer_testkit::{Reply, TestApp, User};
use serde_json::{Value, json};

use super::guard::Protection;
use super::setup::{Backend, Race, at_once, same_kind};

const COUNTERS: Protection = Protection::Bounds(|key| {
    let org = OrgId::parse("org_01arz3ndektsv4rrffq69g5fav").unwrap();
    let user = UserId::parse("usr_01arz3ndektsv4rrffq69g5fav").unwrap();
    same_kind(key, &schema::org_counters(&org)) || same_kind(key, &schema::user_counters(&user))
});

/// Places left under the ceiling when the race starts.
const LEFT: i64 = 3;

/// The user's orgs limit the orgs race runs with.
const MAX_ORGS: u32 = 3;

#[derive(Debug, Clone, Copy)]
enum Resource {
    Vaults,
    Certificates,
    NamedKeys,
    Datasets,
    Orgs,
}

/// Where one round creates, as whom, and where it counts.
struct Round {
    user: User,
    /// The org the places are in (none for a user's orgs).
    org: Option<String>,
    create: String,
    list: String,
    counter: Key,
    attribute: &'static str,
    limit: i64,
}

impl Resource {
    /// A fresh org (or user) with [`LEFT`] places left.
    async fn round(self, app: &TestApp, owner: &User) -> Round {
        if let Self::Orgs = self {
            let user = app.sign_up().await;
            let counter = schema::user_counters(&UserId::parse(&user.id).unwrap());
            return Round {
                user,
                org: None,
                create: "/v1/orgs".into(),
                list: "/v1/orgs?limit=100".into(),
                counter,
                attribute: "orgs",
                limit: i64::from(MAX_ORGS),
            };
        }
        let org = app.create_org(owner, "free").await;
        let (create, list, attribute, limit) = match self {
            Self::Vaults => {
                let path = format!("/v1/orgs/{org}/vaults");
                (path.clone(), format!("{path}?limit=100"), "vaults", 5)
            }
            Self::Certificates => {
                let client = app
                    .post(
                        &format!("/v1/orgs/{org}/clients"),
                        json!({"name": "sync"}),
                        Some(&owner.token),
                    )
                    .await;
                assert_eq!(client.code(), 201, "{}", client.body);
                let path = format!("/v1/orgs/{org}/clients/{}/certificates", client.text("/id"));
                (
                    path.clone(),
                    format!("{path}?limit=100"),
                    "certificates",
                    50,
                )
            }
            Self::NamedKeys => (
                "/v1/keys".into(),
                format!("/v1/keys?org_id={org}&limit=100"),
                "named_keys",
                20,
            ),
            Self::Datasets => (
                "/v1/datasets".into(),
                format!("/v1/datasets?org_id={org}&limit=100"),
                "datasets",
                10,
            ),
            Self::Orgs => unreachable!(),
        };
        let counter = schema::org_counters(&OrgId::parse(&org).unwrap());
        app.state
            .ports
            .table
            .transact(vec![TxOp::Add {
                key: counter.clone(),
                attribute,
                by: limit - LEFT,
                bounds: Bounds::NONE,
            }])
            .await
            .unwrap();
        Round {
            user: owner.clone(),
            org: Some(org),
            create,
            list,
            counter,
            attribute,
            limit,
        }
    }

    /// The body of the `i`th create.
    fn body(self, round: &Round, i: usize) -> Value {
        let name = format!("race {i}");
        match self {
            Self::Vaults => json!({"name": name}),
            Self::Certificates => json!({}),
            Self::NamedKeys | Self::Datasets => json!({"org_id": round.org, "name": name}),
            Self::Orgs => json!({"name": name, "tier": "free"}),
        }
    }
}

async fn creates_at_the_ceiling_never_overshoot(backend: Backend, resource: Resource) {
    let race = Race::new(backend, COUNTERS, |s| {
        if let Resource::Orgs = resource {
            s.orgs.max_orgs_per_user = MAX_ORGS;
        }
    })
    .await;
    let (rounds, width) = (race.rounds(4, 1), race.width(12, 6));
    let owner = race.app.sign_up().await;
    for round in 0..rounds {
        let at = resource.round(&race.app, &owner).await;
        let replies: Vec<Reply> = at_once(width, |i| {
            let app = race.app.clone();
            let (path, body, token) = (
                at.create.clone(),
                resource.body(&at, i),
                at.user.token.clone(),
            );
            async move { app.post(&path, body, Some(&token)).await }
        })
        .await;
        let codes: Vec<u16> = replies.iter().map(Reply::code).collect();
        let made = codes.iter().filter(|c| **c == 201).count();
        let refused = replies
            .iter()
            .filter(|r| r.code() == 403 && r.body["type"] == "/problems/tier-limit")
            .count();
        let left = usize::try_from(LEFT).unwrap();
        assert_eq!(
            (made, refused),
            (left, width - left),
            "{resource:?} round {round}: {codes:?}"
        );
        let listed = race.app.get(&at.list, Some(&at.user.token)).await;
        assert_eq!(listed.code(), 200, "{}", listed.body);
        assert_eq!(
            listed.body["items"].as_array().unwrap().len(),
            left,
            "{resource:?} round {round}: {}",
            listed.body
        );
        let counter = race
            .app
            .state
            .ports
            .table
            .get(&at.counter)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            attrs::count(&counter, at.attribute),
            at.limit,
            "{resource:?}"
        );
    }
    race.report(&format!("tier limit ({resource:?})"), rounds, width);
}

mod embedded {
    use super::{Backend, Resource, creates_at_the_ceiling_never_overshoot};

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn vault_creates_at_the_ceiling_never_overshoot() {
        creates_at_the_ceiling_never_overshoot(Backend::Embedded, Resource::Vaults).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn certificate_creates_at_the_ceiling_never_overshoot() {
        creates_at_the_ceiling_never_overshoot(Backend::Embedded, Resource::Certificates).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn named_key_creates_at_the_ceiling_never_overshoot() {
        creates_at_the_ceiling_never_overshoot(Backend::Embedded, Resource::NamedKeys).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn dataset_creates_at_the_ceiling_never_overshoot() {
        creates_at_the_ceiling_never_overshoot(Backend::Embedded, Resource::Datasets).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn org_creates_at_the_ceiling_never_overshoot() {
        creates_at_the_ceiling_never_overshoot(Backend::Embedded, Resource::Orgs).await;
    }
}

mod aws {
    use super::{Backend, Resource, creates_at_the_ceiling_never_overshoot};

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn vault_creates_at_the_ceiling_never_overshoot() {
        creates_at_the_ceiling_never_overshoot(Backend::Moto, Resource::Vaults).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn certificate_creates_at_the_ceiling_never_overshoot() {
        creates_at_the_ceiling_never_overshoot(Backend::Moto, Resource::Certificates).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn named_key_creates_at_the_ceiling_never_overshoot() {
        creates_at_the_ceiling_never_overshoot(Backend::Moto, Resource::NamedKeys).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn dataset_creates_at_the_ceiling_never_overshoot() {
        creates_at_the_ceiling_never_overshoot(Backend::Moto, Resource::Datasets).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn org_creates_at_the_ceiling_never_overshoot() {
        creates_at_the_ceiling_never_overshoot(Backend::Moto, Resource::Orgs).await;
    }
}
