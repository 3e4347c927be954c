//! Every partition and sort key of the single table, as typed constructors. No other module
//! formats a key: a new kind of item gets its constructor and its row in [`LAYOUT`] here, and the
//! tests below prove that no two kinds can share a key. `docs/keys.md` is generated from
//! [`LAYOUT`] (a test keeps it current).
//!
//! Keys never hold a secret or an email address: secrets appear as their digest (SHA-256,
//! base64url), addresses as their keyed digest (`hmac(email)`: HMAC-SHA256 under the deployment's
//! email-index key, see `crate::auth::email_index`), and names as the digest of their lower-cased
//! form. Ids are typed, so they cannot hold the `#` that separates a key's parts.

use crate::ids::{
    CertificateId, ClientId, DatasetId, InvitationId, JobId, NamedKeyId, OrgId, RecordId,
    RefreshFamilyId, TeamId, UserId, VaultId,
};

use super::Key;

/// One kind of item: how its keys look, for the generated layout table and the collision test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemKind {
    pub name: &'static str,
    pub pk: &'static str,
    pub sk: &'static str,
    /// `gsi1pk / gsi1sk`, when the item is in the index.
    pub gsi1: Option<(&'static str, &'static str)>,
    pub what: &'static str,
}

/// Every kind of item in the table.
pub const LAYOUT: &[ItemKind] = &[
    ItemKind {
        name: "user profile",
        pk: "USER#<usr>",
        sk: "PROFILE",
        gsi1: None,
        what: "id, email, name, email_verified, times; version for optimistic updates",
    },
    ItemKind {
        name: "user credential",
        pk: "USER#<usr>",
        sk: "CREDENTIAL",
        gsi1: None,
        what: "Argon2id PHC string, changed_at; its version binds reset tokens",
    },
    ItemKind {
        name: "user counters",
        pk: "USER#<usr>",
        sk: "COUNTERS",
        gsi1: None,
        what: "orgs: how many orgs the user belongs to (bounded by a conditional add)",
    },
    ItemKind {
        name: "session slot",
        pk: "USER#<usr>",
        sk: "SESSIONSLOT#<slot>",
        gsi1: None,
        what: "one of a user's fixed number of session places: which session holds it (the cap, enforced in the login's transaction)",
    },
    ItemKind {
        name: "cleanup state",
        pk: "CLEANUP",
        sk: "SWEEP",
        gsi1: None,
        what: "where the table sweep of expired items stopped, so the next run resumes there",
    },
    ItemKind {
        name: "cleanup orphan scan",
        pk: "CLEANUP",
        sk: "ORPHANS",
        gsi1: None,
        what: "where the scan of payload blobs for orphans stopped (the blob store's cursor), so the next run resumes there",
    },
    ItemKind {
        name: "cleanup lease",
        pk: "CLEANUP",
        sk: "LEASE",
        gsi1: None,
        what: "held by the run that purges datasets and removes orphan blobs (its random version names the holder; expires with the run), so overlapping runs never do or count that work twice",
    },
    ItemKind {
        name: "email claim",
        pk: "EMAIL#<hmac(email)>",
        sk: "EMAIL",
        gsi1: None,
        what: "user_id: the uniqueness rule of addresses",
    },
    ItemKind {
        name: "login failures",
        pk: "EMAIL#<hmac(email)>",
        sk: "FAILS#<window start>",
        gsi1: None,
        what: "guesses at the account's password in the window, counted before each is checked (expires)",
    },
    ItemKind {
        name: "login lock",
        pk: "EMAIL#<hmac(email)>",
        sk: "LOCK",
        gsi1: None,
        what: "the current lockout and when it ends (`until`); kept one window past its end so guesses after it count from zero",
    },
    ItemKind {
        name: "lockout count",
        pk: "EMAIL#<hmac(email)>",
        sk: "LOCKOUTS",
        gsi1: None,
        what: "lockouts in the last day (expires)",
    },
    ItemKind {
        name: "session",
        pk: "SESSION#<digest(token)>",
        sk: "SESSION",
        gsi1: Some(("USER#<usr>", "SESSION#<created ms>#<ses>")),
        what: "a live session; the index lists a user's sessions oldest first",
    },
    ItemKind {
        name: "one-time token",
        pk: "TOKEN#<digest(token)>",
        sk: "VERIFY_EMAIL | RESET_PASSWORD",
        gsi1: None,
        what: "user_id and the binding it was issued for (expires)",
    },
    ItemKind {
        name: "rate counter",
        pk: "RATE#<bucket>#<window start>",
        sk: "COUNT",
        gsi1: None,
        what: "fixed-window counter of a rate-limit bucket (expires)",
    },
    ItemKind {
        name: "outbox message",
        pk: "OUTBOX#<usr | inv>",
        sk: "MSG#<created ms>#<msg>",
        gsi1: Some(("OUTBOX_PENDING#<shard>", "<created ms>#<msg>")),
        what: "a mail to send to a user or an invited address (expires with its code)",
    },
    ItemKind {
        name: "audit event",
        pk: "AUDIT#<scope>#S<shard>",
        sk: "<seq>",
        gsi1: Some(("AUDITLOG#<scope>#S<shard>", "<time>#<evt>")),
        what: "who did what to which resource, never a sensitive value; link <seq> of its shard's hash chain (scope: the org, else the user it concerns, else `_`; 16 shards by the event id's hash); in the index by time (expires)",
    },
    ItemKind {
        name: "audit shard head",
        pk: "AUDITHEAD#<scope>#S<shard>",
        sk: "HEAD",
        gsi1: Some(("AUDIT_DIRTY#<bucket>", "<scope>#S<shard>")),
        what: "the last link of a shard's chain (seq, hash), moved conditionally with each event; in the index while no checkpoint covers it",
    },
    ItemKind {
        name: "audit filter entry",
        pk: "AUDITBY#<scope>#<actor | action | resource>#<value>#S<shard>",
        sk: "<time>#<evt>",
        gsi1: None,
        what: "an event's place (`seq`) filed under its actor, action or resource, for filtered logs (expires)",
    },
    ItemKind {
        name: "audit checkpoint",
        pk: "AUDITCP#<scope>",
        sk: "<time>#<cpt>",
        gsi1: None,
        what: "every shard head of a scope, signed (JWS) with the audit key (expires after the events)",
    },
    ItemKind {
        name: "audit signing key",
        pk: "AUDIT_KEYS",
        sk: "KEY#<kid>",
        gsi1: None,
        what: "Ed25519 key that signs checkpoints: public half, seed sealed under the key ring",
    },
    ItemKind {
        name: "audit signing key head",
        pk: "AUDIT_KEYS",
        sk: "HEAD",
        gsi1: None,
        what: "names the audit key that signs; makes its creation race-safe",
    },
    ItemKind {
        name: "org",
        pk: "ORG#<org>",
        sk: "ORG",
        gsi1: Some(("DELETED_ORGS", "<deleted ms>#<org>")),
        what: "name, tier, times; in the index only once soft-deleted, for the cleanup",
    },
    ItemKind {
        name: "org counters",
        pk: "ORG#<org>",
        sk: "COUNTERS",
        gsi1: None,
        what: "members, vaults, certificates (conditional adds enforce the tier limits)",
    },
    ItemKind {
        name: "org owner count",
        pk: "ORG#<org>",
        sk: "OWNERS",
        gsi1: None,
        what: "owners: a floor of 1 keeps the last owner (apart from COUNTERS, so that one transaction can move both)",
    },
    ItemKind {
        name: "org member",
        pk: "ORG#<org>",
        sk: "MEMBER#<usr>",
        gsi1: Some(("USER#<usr>", "ORG#<org>")),
        what: "role, joined_at, the member's teams; the access gate's one read; the index lists a user's orgs",
    },
    ItemKind {
        name: "invitation",
        pk: "ORG#<org>",
        sk: "INVITE#<inv>",
        gsi1: None,
        what: "email (and its hmac, so the cleanup can remove the claim), role, invited_by (expires after 7 days)",
    },
    ItemKind {
        name: "invitation claim",
        pk: "INVITE#<hmac(email)>",
        sk: "ORG#<org>",
        gsi1: None,
        what: "one pending invitation per address and org; read when the address is verified",
    },
    ItemKind {
        name: "team",
        pk: "ORG#<org>",
        sk: "TEAM#<team>",
        gsi1: None,
        what: "name, created_at",
    },
    ItemKind {
        name: "team name",
        pk: "ORG#<org>",
        sk: "TEAMNAME#<digest(lower(name))>",
        gsi1: None,
        what: "the uniqueness rule of team names in an org",
    },
    ItemKind {
        name: "team member",
        pk: "ORG#<org>",
        sk: "TEAMMEMBER#<team>#<usr>",
        gsi1: None,
        what: "a member in a team (the member's item lists their teams, so leaving the org removes them)",
    },
    ItemKind {
        name: "vault",
        pk: "ORG#<org>",
        sk: "VAULT#<vlt>",
        gsi1: None,
        what: "name, created_at, created_by",
    },
    ItemKind {
        name: "vault owner",
        pk: "VAULT#<vlt>",
        sk: "ORG",
        gsi1: None,
        what: "which org a vault belongs to, for requests that name only the vault (tokens)",
    },
    ItemKind {
        name: "vault name",
        pk: "ORG#<org>",
        sk: "VAULTNAME#<digest(lower(name))>",
        gsi1: None,
        what: "the uniqueness rule of vault names in an org",
    },
    ItemKind {
        name: "deployment key",
        pk: "DEPLOYMENT#KEYS",
        sk: "EMAIL_INDEX",
        gsi1: None,
        what: "a data key of the whole deployment, wrapped by the key ring (made on first use): EMAIL_INDEX keys the HMAC of email addresses in keys",
    },
    ItemKind {
        name: "pii key",
        pk: "ORG#<org>",
        sk: "PIIKEY#<version>",
        gsi1: None,
        what: "the org's PII data key, wrapped by the key ring",
    },
    ItemKind {
        name: "signing key",
        pk: "SIGNING_KEYS",
        sk: "KEY#<kid>",
        gsi1: None,
        what: "an Ed25519 token-signing key: public key, the private seed sealed under a key-ring data key, when it signs from and until when it is published (expires)",
    },
    ItemKind {
        name: "signing key head",
        pk: "SIGNING_KEYS",
        sk: "HEAD",
        gsi1: None,
        what: "the newest key's kid; its version makes the first key and each rotation race-safe",
    },
    ItemKind {
        name: "revocation",
        pk: "REVOCATIONS",
        sk: "JTI#<jti> | VAULT#<vlt> | CERT#<crt> | CLIENT#<cli>",
        gsi1: None,
        what: "an access token, a vault's tokens before a generation, or the tokens issued through a certificate or client, refused until the longest access token has expired (expires); every process reads the partition within the revocation bound",
    },
    ItemKind {
        name: "refresh token",
        pk: "REFRESH#<digest(token)>",
        sk: "REFRESH",
        gsi1: None,
        what: "family and generation of a refresh token; kept after it is spent so that its reuse is recognised (expires)",
    },
    ItemKind {
        name: "refresh family",
        pk: "RFAMILY#<family>",
        sk: "FAMILY",
        gsi1: None,
        what: "a chain of refresh tokens: the live generation (its version), the previous one and when it was spent, whether the grace retry was used, revoked; subject, session, scope, vault generation (expires)",
    },
    ItemKind {
        name: "client",
        pk: "CLIENT#<cli>",
        sk: "CLIENT",
        gsi1: Some(("ORG#<org>", "CLIENT#<cli>")),
        what: "a machine client: its org, name, scopes; the index lists an org's clients",
    },
    ItemKind {
        name: "client certificate",
        pk: "CLIENT#<cli>",
        sk: "CERT#<crt>",
        gsi1: None,
        what: "an Ed25519 public key the client signs assertions with (the private key is never stored)",
    },
    ItemKind {
        name: "named key",
        pk: "NAMEDKEY#<key>",
        sk: "KEY",
        gsi1: Some(("ORG#<org>", "NAMEDKEY#<key>")),
        what: "a named encryption key: its org, name, newest version (with that version's wrapped data key), oldest kept version, min decryption and encryption versions, deletion guard, state; the index lists an org's keys (one being deleted too, for the org's purge; the list route leaves it out)",
    },
    ItemKind {
        name: "named key version",
        pk: "NAMEDKEY#<key>",
        sk: "V#<version, 10 digits>",
        gsi1: None,
        what: "one version's data key, wrapped by the key ring under a context naming org, key and version; trimmed versions are deleted",
    },
    ItemKind {
        name: "named key name",
        pk: "ORG#<org>",
        sk: "KEYNAME#<digest(lower(name))>",
        gsi1: None,
        what: "the uniqueness rule of key names in an org",
    },
    ItemKind {
        name: "spent assertion",
        pk: "ASSERTION#<cli>#<digest(jti)>",
        sk: "JTI",
        gsi1: None,
        what: "a client assertion's jti, claimed by a conditional put so that it is never accepted twice (expires after the assertion)",
    },
    ItemKind {
        name: "dataset",
        pk: "DATASET#<dst>",
        sk: "DATASET",
        gsi1: Some((
            "ORG#<org> | DELETED_DATASETS",
            "DATASET#<dst> | <purge_after ms>#<dst>",
        )),
        what: "a dataset: org, name, description, JSON Schema, field policies and views (with each searchable field's blind-index length), PII rule, newest key version with its wrapped data key, running job, soft-delete and purge times; the index lists an org's live datasets, and a soft-deleted one under `DELETED_DATASETS` by when the cleanup may purge it",
    },
    ItemKind {
        name: "dataset key version",
        pk: "DATASET#<dst>",
        sk: "KEYV#<version, 10 digits>",
        gsi1: None,
        what: "one version's data key, wrapped by the key ring under a context naming org, dataset and version",
    },
    ItemKind {
        name: "dataset name",
        pk: "ORG#<org>",
        sk: "DATASETNAME#<digest(lower(name))>",
        gsi1: None,
        what: "the uniqueness rule of dataset names in an org",
    },
    ItemKind {
        name: "dataset job",
        pk: "DATASET#<dst>",
        sk: "JOB#<job>",
        gsi1: Some(("JOBS#RUNNING", "JOB#<job>")),
        what: "a re-encryption job: target version, phase, counts, where it stopped; in the index while it runs, so workers find it with one query",
    },
    ItemKind {
        name: "record",
        pk: "RECORD#<rec>",
        sk: "RECORD",
        gsi1: Some(("DATASET#<dst>#RECORDS", "REC#<rec>")),
        what: "a record: plain fields in clear, sensitive fields as envelope v2 ciphertexts bound to (dataset, record, field, version), its key version, its payload's blob; the index lists a dataset's records in id order",
    },
    ItemKind {
        name: "record index entry",
        pk: "RECORD#<rec>",
        sk: "BIDX#<field>",
        gsi1: Some(("BIDX#<dst>#<field>#v<version>#<index>", "REC#<rec>")),
        what: "a searchable field's blind index (HMAC-SHA256 under the field's index key, truncated for tokenize fields), with the field's ciphertext or value so a search compares candidates without reading their records",
    },
    ItemKind {
        name: "idempotency key",
        pk: "IDEMPOTENCY#<dst>#<digest(actor, key)>",
        sk: "IDEMPOTENCY",
        gsi1: None,
        what: "a record write's idempotency key: the body's digest, the ids it reserved, its reply once done (expires)",
    },
];

// ---------------------------------------------------------------------------------------------
// Identity
// ---------------------------------------------------------------------------------------------

/// `USER#<usr>`: a user's own items, and the index partition of their sessions and orgs.
pub fn user_partition(user: &UserId) -> String {
    format!("USER#{user}")
}

pub fn user_profile(user: &UserId) -> Key {
    Key::new(user_partition(user), "PROFILE")
}

pub fn user_credential(user: &UserId) -> Key {
    Key::new(user_partition(user), "CREDENTIAL")
}

pub fn user_counters(user: &UserId) -> Key {
    Key::new(user_partition(user), COUNTERS)
}

/// Where the cleanup's sweep of expired items stopped.
pub fn cleanup_state() -> Key {
    Key::new("CLEANUP", "SWEEP")
}

/// Where the cleanup's scan of payload blobs for orphans stopped.
pub fn cleanup_orphan_scan() -> Key {
    Key::new("CLEANUP", "ORPHANS")
}

/// The lease of the cleanup run that purges datasets and removes orphan blobs.
pub fn cleanup_lease() -> Key {
    Key::new("CLEANUP", "LEASE")
}

/// `EMAIL#<hmac(email)>`: an address's claim and its login failures, read by a login in one query.
pub fn email_partition(email_digest: &str) -> String {
    format!("EMAIL#{email_digest}")
}

pub fn email_claim(email_digest: &str) -> Key {
    Key::new(email_partition(email_digest), "EMAIL")
}

pub fn login_failures(email_digest: &str, window_start: i64) -> Key {
    Key::new(
        email_partition(email_digest),
        format!("FAILS#{window_start}"),
    )
}

pub fn login_lock(email_digest: &str) -> Key {
    Key::new(email_partition(email_digest), "LOCK")
}

pub fn lockout_count(email_digest: &str) -> Key {
    Key::new(email_partition(email_digest), "LOCKOUTS")
}

pub fn session(token_digest: &str) -> Key {
    Key::new(format!("SESSION#{token_digest}"), "SESSION")
}

/// The token digest a [`session`] key was made from (refresh families remember their session
/// this way, to read it again without the token).
pub fn session_token_digest(key: &Key) -> Option<&str> {
    key.pk
        .strip_prefix("SESSION#")
        .filter(|_| key.sk == "SESSION")
}

/// The session's place in its user's index partition ([`user_partition`]).
pub fn session_in_user_index(user: &UserId, created_ms: i128, session: &str) -> Key {
    Key::new(
        user_partition(user),
        format!("{USER_SESSIONS_PREFIX}{created_ms:015}#{session}"),
    )
}

/// One of a user's session places (`slot` counts from 0 to the cap).
pub fn session_slot(user: &UserId, slot: usize) -> Key {
    Key::new(
        user_partition(user),
        format!("{USER_SESSION_SLOTS_PREFIX}{slot:03}"),
    )
}

/// The sort-key prefix of a user's session places.
pub const USER_SESSION_SLOTS_PREFIX: &str = "SESSIONSLOT#";

/// The sort-key prefix of a user's sessions in the index.
pub const USER_SESSIONS_PREFIX: &str = "SESSION#";

/// What a single-use token is for; its sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OneTimePurpose {
    VerifyEmail,
    ResetPassword,
}

pub fn one_time_token(token_digest: &str, purpose: OneTimePurpose) -> Key {
    let sk = match purpose {
        OneTimePurpose::VerifyEmail => "VERIFY_EMAIL",
        OneTimePurpose::ResetPassword => "RESET_PASSWORD",
    };
    Key::new(format!("TOKEN#{token_digest}"), sk)
}

/// A rate-limit bucket: what is counted, and for whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateBucket<'a> {
    /// Login attempts from one client IP (or IPv6 /64).
    LoginIp(&'a str),
    /// Registrations from one client IP.
    RegisterIp(&'a str),
    /// Reset mails to one address (its digest).
    ResetEmail(&'a str),
    /// Verification mails one user asked for.
    VerifyUser(&'a UserId),
    /// Reset requests from one client IP.
    ResetIp(&'a str),
    /// Verification requests from one client IP.
    VerifyIp(&'a str),
}

impl RateBucket<'_> {
    /// The bucket's name in its key, e.g. `login-ip#203.0.113.7`.
    pub fn name(&self) -> String {
        match self {
            Self::LoginIp(ip) => format!("login-ip#{ip}"),
            Self::RegisterIp(ip) => format!("register-ip#{ip}"),
            Self::ResetEmail(digest) => format!("reset-email#{digest}"),
            Self::VerifyUser(user) => format!("verify-user#{user}"),
            Self::ResetIp(ip) => format!("reset-ip#{ip}"),
            Self::VerifyIp(ip) => format!("verify-ip#{ip}"),
        }
    }
}

pub fn rate_counter(bucket: RateBucket<'_>, window_start: i64) -> Key {
    Key::new(format!("RATE#{}#{window_start}", bucket.name()), "COUNT")
}

/// A recipient's outbox: a user id (`usr_…`) or an invitation id (`inv_…`).
pub fn outbox_partition(recipient: &str) -> String {
    format!("OUTBOX#{recipient}")
}

pub const OUTBOX_MESSAGES_PREFIX: &str = "MSG#";

/// Shards of the index of messages not sent yet (so no one index partition takes every mail).
pub const OUTBOX_PENDING_SHARDS: u8 = 16;

/// The index partition of one shard of unsent messages.
pub fn outbox_pending_partition(shard: u8) -> String {
    format!("OUTBOX_PENDING#{:02}", shard % OUTBOX_PENDING_SHARDS)
}

/// A message's place in the index of unsent messages (removed when it is sent).
pub fn outbox_pending_index(shard: u8, created_ms: i128, message: &str) -> Key {
    Key::new(
        outbox_pending_partition(shard),
        format!("{created_ms:015}#{message}"),
    )
}

pub fn outbox_message(recipient: &str, created_ms: i128, message: &str) -> Key {
    Key::new(
        outbox_partition(recipient),
        format!("{OUTBOX_MESSAGES_PREFIX}{created_ms:015}#{message}"),
    )
}

// ---------------------------------------------------------------------------------------------
// Audit
// ---------------------------------------------------------------------------------------------

/// The scope of events that belong to no org.
pub const PLATFORM_SCOPE: &str = "_";

/// How many hash chains (shards) a scope's events are spread over: one partition takes about
/// 1,000 writes/s, so a scope takes about 16,000 events/s.
pub const AUDIT_SHARDS: u8 = 16;

/// Buckets of the index of shard heads not yet covered by a checkpoint.
pub const AUDIT_DIRTY_BUCKETS: u8 = 64;

/// One shard's chain: its events in chain order.
pub fn audit_chain_partition(scope: &str, shard: u8) -> String {
    format!("AUDIT#{scope}#S{shard:02}")
}

/// Link `seq` (from 1) of a shard's chain.
pub fn audit_link(scope: &str, shard: u8, seq: u64) -> Key {
    Key::new(audit_chain_partition(scope, shard), audit_seq(seq))
}

/// A link's sort key: the sequence number, zero-padded so text order is chain order.
pub fn audit_seq(seq: u64) -> String {
    format!("{seq:012}")
}

/// The index partition of a shard's events by time (newest-first logs merge the shards').
pub fn audit_log_partition(scope: &str, shard: u8) -> String {
    format!("AUDITLOG#{scope}#S{shard:02}")
}

/// The last link of a shard's chain.
pub fn audit_shard_head(scope: &str, shard: u8) -> Key {
    Key::new(format!("AUDITHEAD#{scope}#S{shard:02}"), "HEAD")
}

/// The index partition that lists shard heads not yet covered by a checkpoint.
pub fn audit_dirty_partition(bucket: u8) -> String {
    format!("AUDIT_DIRTY#{bucket:02}")
}

/// A shard head's sort key in the dirty index.
pub fn audit_dirty_sort_key(scope: &str, shard: u8) -> String {
    format!("{scope}#S{shard:02}")
}

/// Time-ordered sort key of an event (`sort_time` is RFC 3339 with nine fraction digits).
pub fn audit_sort_key(sort_time: &str, event: &str) -> String {
    format!("{sort_time}#{event}")
}

/// What a filtered log is filed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditFilter<'a> {
    Actor(&'a str),
    Action(&'a str),
    Resource(&'a str),
}

/// One shard of the events of a scope filed under `filter`.
pub fn audit_filter_partition(scope: &str, filter: AuditFilter<'_>, shard: u8) -> String {
    let (kind, value) = match filter {
        AuditFilter::Actor(actor) => ("actor", actor),
        AuditFilter::Action(action) => ("action", action),
        AuditFilter::Resource(resource) => ("resource", resource),
    };
    format!("AUDITBY#{scope}#{kind}#{value}#S{shard:02}")
}

/// An event's entry under `filter`.
pub fn audit_filter_entry(
    scope: &str,
    filter: AuditFilter<'_>,
    shard: u8,
    sort_time: &str,
    event: &str,
) -> Key {
    Key::new(
        audit_filter_partition(scope, filter, shard),
        audit_sort_key(sort_time, event),
    )
}

/// A scope's checkpoints, oldest first.
pub fn audit_checkpoints_partition(scope: &str) -> String {
    format!("AUDITCP#{scope}")
}

pub fn audit_checkpoint(scope: &str, sort_time: &str, checkpoint: &str) -> Key {
    Key::new(
        audit_checkpoints_partition(scope),
        audit_sort_key(sort_time, checkpoint),
    )
}

/// The partition of the keys that sign audit checkpoints.
pub const AUDIT_KEYS: &str = "AUDIT_KEYS";
pub const AUDIT_KEY_PREFIX: &str = "KEY#";

pub fn audit_signing_key(kid: &str) -> Key {
    Key::new(AUDIT_KEYS, format!("{AUDIT_KEY_PREFIX}{kid}"))
}

pub fn audit_signing_key_head() -> Key {
    Key::new(AUDIT_KEYS, "HEAD")
}

// ---------------------------------------------------------------------------------------------
// Tenancy
// ---------------------------------------------------------------------------------------------

const COUNTERS: &str = "COUNTERS";

/// `ORG#<org>`: the org and everything it owns.
pub fn org_partition(org: &OrgId) -> String {
    format!("ORG#{org}")
}

pub fn org(org: &OrgId) -> Key {
    Key::new(org_partition(org), "ORG")
}

/// The index entry of a soft-deleted org, for the cleanup to find.
pub fn deleted_org_index(org: &OrgId, deleted_ms: i128) -> Key {
    Key::new(DELETED_ORGS, format!("{deleted_ms:015}#{org}"))
}

pub const DELETED_ORGS: &str = "DELETED_ORGS";

pub fn org_counters(org: &OrgId) -> Key {
    Key::new(org_partition(org), COUNTERS)
}

pub fn org_owner_count(org: &OrgId) -> Key {
    Key::new(org_partition(org), "OWNERS")
}

pub const ORG_MEMBERS_PREFIX: &str = "MEMBER#";

pub fn org_member(org: &OrgId, user: &UserId) -> Key {
    Key::new(org_partition(org), format!("{ORG_MEMBERS_PREFIX}{user}"))
}

/// The membership's place in the index of the user's orgs ([`user_partition`]).
pub fn member_in_user_index(user: &UserId, org: &OrgId) -> Key {
    Key::new(user_partition(user), format!("{USER_ORGS_PREFIX}{org}"))
}

/// The sort-key prefix of a user's orgs in the index.
pub const USER_ORGS_PREFIX: &str = "ORG#";

pub const ORG_INVITATIONS_PREFIX: &str = "INVITE#";

pub fn invitation(org: &OrgId, invitation: &InvitationId) -> Key {
    Key::new(
        org_partition(org),
        format!("{ORG_INVITATIONS_PREFIX}{invitation}"),
    )
}

/// `INVITE#<hmac(email)>`: the pending invitations of an address, one per org.
pub fn invitations_of_email(email_digest: &str) -> String {
    format!("INVITE#{email_digest}")
}

pub fn invitation_claim(email_digest: &str, org: &OrgId) -> Key {
    Key::new(invitations_of_email(email_digest), format!("ORG#{org}"))
}

pub const ORG_TEAMS_PREFIX: &str = "TEAM#";

pub fn team(org: &OrgId, team: &TeamId) -> Key {
    Key::new(org_partition(org), format!("{ORG_TEAMS_PREFIX}{team}"))
}

pub fn team_name(org: &OrgId, name_digest: &str) -> Key {
    Key::new(org_partition(org), format!("TEAMNAME#{name_digest}"))
}

/// The sort-key prefix of one team's members.
pub fn team_members_prefix(team: &TeamId) -> String {
    format!("TEAMMEMBER#{team}#")
}

pub fn team_member(org: &OrgId, team: &TeamId, user: &UserId) -> Key {
    Key::new(
        org_partition(org),
        format!("{}{user}", team_members_prefix(team)),
    )
}

pub const ORG_VAULTS_PREFIX: &str = "VAULT#";

pub fn vault(org: &OrgId, vault: &VaultId) -> Key {
    Key::new(org_partition(org), format!("{ORG_VAULTS_PREFIX}{vault}"))
}

pub fn vault_owner(vault: &VaultId) -> Key {
    Key::new(format!("{ORG_VAULTS_PREFIX}{vault}"), "ORG")
}

pub fn vault_name(org: &OrgId, name_digest: &str) -> Key {
    Key::new(org_partition(org), format!("VAULTNAME#{name_digest}"))
}

// ---------------------------------------------------------------------------------------------
// Deployment
// ---------------------------------------------------------------------------------------------

/// A data key that serves the whole deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeploymentKey {
    /// Keys the HMAC of email addresses in keys (`crate::auth::email_index`).
    EmailIndex,
}

/// Where a deployment key is stored, wrapped.
pub fn deployment_key(kind: DeploymentKey) -> Key {
    let sk = match kind {
        DeploymentKey::EmailIndex => "EMAIL_INDEX",
    };
    Key::new("DEPLOYMENT#KEYS", sk)
}

// ---------------------------------------------------------------------------------------------
// PII
// ---------------------------------------------------------------------------------------------

pub fn pii_key(org: &OrgId, version: u32) -> Key {
    Key::new(org_partition(org), format!("PIIKEY#{version:06}"))
}

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

pub const SIGNING_KEYS: &str = "SIGNING_KEYS";

pub const SIGNING_KEY_PREFIX: &str = "KEY#";

pub fn signing_key(kid: &str) -> Key {
    Key::new(SIGNING_KEYS, format!("{SIGNING_KEY_PREFIX}{kid}"))
}

pub fn signing_key_head() -> Key {
    Key::new(SIGNING_KEYS, "HEAD")
}

pub const REVOCATIONS: &str = "REVOCATIONS";

/// What a revocation entry refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revoked<'a> {
    /// One access token, by its `jti`.
    AccessToken(&'a str),
    /// Every token of a vault issued before the vault's current generation.
    Vault(&'a VaultId),
    /// Every token issued through a client certificate.
    Certificate(&'a CertificateId),
    /// Every token of a machine client.
    Client(&'a ClientId),
}

const REVOKED_ACCESS_TOKEN: &str = "JTI#";
const REVOKED_VAULT: &str = "VAULT#";
const REVOKED_CERTIFICATE: &str = "CERT#";
const REVOKED_CLIENT: &str = "CLIENT#";

pub fn revocation(what: Revoked<'_>) -> Key {
    let sk = match what {
        Revoked::AccessToken(jti) => format!("{REVOKED_ACCESS_TOKEN}{jti}"),
        Revoked::Vault(vault) => format!("{REVOKED_VAULT}{vault}"),
        Revoked::Certificate(certificate) => format!("{REVOKED_CERTIFICATE}{certificate}"),
        Revoked::Client(client) => format!("{REVOKED_CLIENT}{client}"),
    };
    Key::new(REVOCATIONS, sk)
}

/// What a revocation entry's key names, read back (the inverse of [`revocation`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevokedEntry {
    AccessToken(String),
    Vault(VaultId),
    Certificate(CertificateId),
    Client(ClientId),
}

pub fn revoked_entry(key: &Key) -> Option<RevokedEntry> {
    if key.pk != REVOCATIONS {
        return None;
    }
    let sk = key.sk.as_str();
    if let Some(jti) = sk.strip_prefix(REVOKED_ACCESS_TOKEN) {
        Some(RevokedEntry::AccessToken(jti.to_owned()))
    } else if let Some(vault) = sk.strip_prefix(REVOKED_VAULT) {
        VaultId::parse(vault).map(RevokedEntry::Vault)
    } else if let Some(certificate) = sk.strip_prefix(REVOKED_CERTIFICATE) {
        CertificateId::parse(certificate).map(RevokedEntry::Certificate)
    } else {
        ClientId::parse(sk.strip_prefix(REVOKED_CLIENT)?).map(RevokedEntry::Client)
    }
}

pub fn refresh_token(token_digest: &str) -> Key {
    Key::new(format!("REFRESH#{token_digest}"), "REFRESH")
}

pub fn refresh_family(family: &RefreshFamilyId) -> Key {
    Key::new(format!("RFAMILY#{family}"), "FAMILY")
}

// ---------------------------------------------------------------------------------------------
// Machine clients
// ---------------------------------------------------------------------------------------------

pub fn client_partition(client: &ClientId) -> String {
    format!("CLIENT#{client}")
}

pub fn client(client: &ClientId) -> Key {
    Key::new(client_partition(client), "CLIENT")
}

/// The index key that lists `client` among its org's clients.
pub fn client_in_org_index(org: &OrgId, client: &ClientId) -> Key {
    Key::new(org_partition(org), format!("{ORG_CLIENTS_PREFIX}{client}"))
}

pub const ORG_CLIENTS_PREFIX: &str = "CLIENT#";

pub const CLIENT_CERTIFICATES_PREFIX: &str = "CERT#";

pub fn client_certificate(client: &ClientId, certificate: &CertificateId) -> Key {
    Key::new(
        client_partition(client),
        format!("{CLIENT_CERTIFICATES_PREFIX}{certificate}"),
    )
}

pub fn spent_assertion(client: &ClientId, jti_digest: &str) -> Key {
    Key::new(format!("ASSERTION#{client}#{jti_digest}"), "JTI")
}

// ---------------------------------------------------------------------------------------------
// Named keys (encryption as a service)
// ---------------------------------------------------------------------------------------------

pub fn named_key_partition(key: &NamedKeyId) -> String {
    format!("NAMEDKEY#{key}")
}

/// The key's metadata item; the versions share its partition.
pub fn named_key(key: &NamedKeyId) -> Key {
    Key::new(named_key_partition(key), "KEY")
}

/// The index key that lists `key` among its org's keys.
pub fn named_key_in_org_index(org: &OrgId, key: &NamedKeyId) -> Key {
    Key::new(org_partition(org), format!("{ORG_NAMED_KEYS_PREFIX}{key}"))
}

pub const ORG_NAMED_KEYS_PREFIX: &str = "NAMEDKEY#";

pub const NAMED_KEY_VERSIONS_PREFIX: &str = "V#";

/// One version of a named key; zero-padded so versions sort in order.
pub fn named_key_version(key: &NamedKeyId, version: u32) -> Key {
    Key::new(
        named_key_partition(key),
        format!("{NAMED_KEY_VERSIONS_PREFIX}{version:010}"),
    )
}

/// The version a version item's sort key names.
pub fn named_key_version_number(key: &Key) -> Option<u32> {
    key.sk.strip_prefix(NAMED_KEY_VERSIONS_PREFIX)?.parse().ok()
}

pub fn named_key_name(org: &OrgId, name_digest: &str) -> Key {
    Key::new(org_partition(org), format!("KEYNAME#{name_digest}"))
}

// ---------------------------------------------------------------------------------------------
// The data vault
// ---------------------------------------------------------------------------------------------

pub fn dataset_partition(dataset: &DatasetId) -> String {
    format!("DATASET#{dataset}")
}

/// The dataset's item; its key versions and jobs share its partition.
pub fn dataset(dataset: &DatasetId) -> Key {
    Key::new(dataset_partition(dataset), "DATASET")
}

/// The index key that lists `dataset` among its org's datasets.
pub fn dataset_in_org_index(org: &OrgId, dataset: &DatasetId) -> Key {
    Key::new(
        org_partition(org),
        format!("{ORG_DATASETS_PREFIX}{dataset}"),
    )
}

pub const ORG_DATASETS_PREFIX: &str = "DATASET#";

/// The index partition of soft-deleted datasets, in the order the cleanup may purge them.
pub const DELETED_DATASETS: &str = "DELETED_DATASETS";

/// Where a soft-deleted dataset waits in the index until `purge_after_ms` (Unix milliseconds).
pub fn deleted_dataset_index(dataset: &DatasetId, purge_after_ms: i128) -> Key {
    Key::new(
        DELETED_DATASETS,
        format!("{:015}#{dataset}", purge_after_ms.max(0)),
    )
}

/// The sort-key range of [`DELETED_DATASETS`] whose purge time has come at `now_ms`.
pub fn deleted_datasets_due(now_ms: i128) -> (String, String) {
    ("0".to_owned(), format!("{:015}#~", now_ms.max(0)))
}

/// One version of a dataset's data key; zero-padded so versions sort in order.
pub fn dataset_key_version(dataset: &DatasetId, version: u32) -> Key {
    Key::new(dataset_partition(dataset), format!("KEYV#{version:010}"))
}

pub fn dataset_name(org: &OrgId, name_digest: &str) -> Key {
    Key::new(org_partition(org), format!("DATASETNAME#{name_digest}"))
}

pub fn dataset_job(dataset: &DatasetId, job: &JobId) -> Key {
    Key::new(dataset_partition(dataset), format!("JOB#{job}"))
}

/// The index partition of running jobs.
pub const RUNNING_JOBS: &str = "JOBS#RUNNING";

/// Where a running job appears in the index.
pub fn running_job_index(job: &JobId) -> Key {
    Key::new(RUNNING_JOBS, format!("JOB#{job}"))
}

pub fn record_partition(record: &RecordId) -> String {
    format!("RECORD#{record}")
}

/// A record's item; its index entries share its partition.
pub fn record(record: &RecordId) -> Key {
    Key::new(record_partition(record), "RECORD")
}

/// The index partition listing a dataset's records.
pub fn dataset_records_partition(dataset: &DatasetId) -> String {
    format!("DATASET#{dataset}#RECORDS")
}

/// Where a record appears in its dataset's listing (id order).
pub fn record_in_dataset_index(dataset: &DatasetId, record: &RecordId) -> Key {
    Key::new(dataset_records_partition(dataset), format!("REC#{record}"))
}

/// A record's blind-index entry for one field.
pub fn record_index_entry(record: &RecordId, field: &str) -> Key {
    Key::new(
        record_partition(record),
        format!("{RECORD_INDEX_PREFIX}{field}"),
    )
}

pub const RECORD_INDEX_PREFIX: &str = "BIDX#";

/// The index partition of one blind-index value of a field under a key version: a search
/// queries it.
pub fn blind_index_partition(
    dataset: &DatasetId,
    field: &str,
    version: u32,
    index: &str,
) -> String {
    format!("BIDX#{dataset}#{field}#v{version}#{index}")
}

/// Where a record's index entry appears in the index.
pub fn blind_index_entry(
    dataset: &DatasetId,
    field: &str,
    version: u32,
    index: &str,
    record: &RecordId,
) -> Key {
    Key::new(
        blind_index_partition(dataset, field, version, index),
        format!("REC#{record}"),
    )
}

/// A record write's idempotency key (`digest` names the caller and their key).
pub fn idempotency_key(dataset: &DatasetId, digest: &str) -> Key {
    Key::new(format!("IDEMPOTENCY#{dataset}#{digest}"), "IDEMPOTENCY")
}

/// Blob keys of a dataset's payloads (the blob store's, not the table's): one folder per
/// dataset so its purge lists them.
pub fn dataset_blob_prefix(dataset: &DatasetId) -> String {
    format!("datasets/{dataset}/")
}

/// A payload's blob: a fresh name per upload, so a new payload never overwrites the one the
/// record points to until the record moves.
pub fn payload_blob(dataset: &DatasetId, record: &RecordId, upload: &str) -> String {
    format!("datasets/{dataset}/{record}/{upload}")
}

/// The prefix of every payload blob (all datasets').
pub const DATASET_BLOBS_PREFIX: &str = "datasets/";

/// The dataset and record a [`payload_blob`] key names, if it is one.
pub fn payload_blob_owner(key: &str) -> Option<(DatasetId, RecordId)> {
    let mut parts = key.strip_prefix(DATASET_BLOBS_PREFIX)?.split('/');
    let (dataset, record, upload) = (parts.next()?, parts.next()?, parts.next()?);
    if upload.is_empty() || parts.next().is_some() {
        return None;
    }
    Some((DatasetId::parse(dataset)?, RecordId::parse(record)?))
}

/// The layout as a Markdown table (what `docs/keys.md` holds).
pub fn layout_markdown() -> String {
    let mut out = String::from(
        "# The table's keys\n\nGenerated from `core/src/store/schema.rs` (`LAYOUT`); a test fails when this file is out of date.\n\n| item | pk | sk | gsi1pk / gsi1sk | what |\n|---|---|---|---|---|\n",
    );
    for kind in LAYOUT {
        let gsi = kind
            .gsi1
            .map(|(pk, sk)| format!("`{pk}` / `{sk}`"))
            .unwrap_or_default();
        out.push_str(&format!(
            "| {} | `{}` | `{}` | {} | {} |\n",
            kind.name, kind.pk, kind.sk, gsi, kind.what
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};
    use time::OffsetDateTime;

    /// The literal head of a key template: everything before its first `<` placeholder.
    fn head(template: &str) -> &str {
        template.split('<').next().unwrap_or(template)
    }

    /// Whether two templates can produce the same string. A placeholder is an id, a digest or a
    /// number: never a `#`, never empty. Conservative: heads where one is a prefix of the other.
    fn may_overlap(a: &str, b: &str) -> bool {
        let (ha, hb) = (head(a), head(b));
        match (a.contains('<'), b.contains('<')) {
            (false, false) => a == b,
            (false, true) => a.starts_with(hb),
            (true, false) => b.starts_with(ha),
            (true, true) => ha.starts_with(hb) || hb.starts_with(ha),
        }
    }

    #[test]
    fn no_two_kinds_of_item_can_share_a_primary_key() {
        for (i, a) in LAYOUT.iter().enumerate() {
            for b in &LAYOUT[i + 1..] {
                if !may_overlap(a.pk, b.pk) {
                    continue;
                }
                for sk_a in a.sk.split(" | ") {
                    for sk_b in b.sk.split(" | ") {
                        assert!(
                            !may_overlap(sk_a, sk_b),
                            "{} and {} may share a key: {}/{} vs {}/{}",
                            a.name,
                            b.name,
                            a.pk,
                            sk_a,
                            b.pk,
                            sk_b
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn index_entries_of_different_kinds_in_one_partition_have_distinct_prefixes() {
        let mut by_partition: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
        for kind in LAYOUT {
            if let Some((pk, sk)) = kind.gsi1 {
                by_partition
                    .entry(head(pk))
                    .or_default()
                    .push((kind.name, sk));
            }
        }
        for (partition, entries) in by_partition {
            for (i, (a, sk_a)) in entries.iter().enumerate() {
                for (b, sk_b) in &entries[i + 1..] {
                    assert!(
                        !sk_a.starts_with(head(sk_b)) && !sk_b.starts_with(head(sk_a)),
                        "{a} and {b} share index partition {partition} with overlapping sort keys"
                    );
                }
            }
        }
    }

    #[test]
    fn every_constructor_makes_keys_of_its_documented_shape_and_all_differ() {
        let now = OffsetDateTime::now_utc();
        let user = UserId::generate(now).unwrap();
        let org_id = OrgId::generate(now).unwrap();
        let team_id = TeamId::generate(now).unwrap();
        let vault_id = VaultId::generate(now).unwrap();
        let inv = InvitationId::generate(now).unwrap();
        let digest = "q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c";
        let client_id = ClientId::generate(now).unwrap();
        let certificate = CertificateId::generate(now).unwrap();
        let family = RefreshFamilyId::generate(now).unwrap();
        let named = NamedKeyId::generate(now).unwrap();
        let dataset_id = DatasetId::generate(now).unwrap();
        let record_id = RecordId::generate(now).unwrap();
        let job = JobId::generate(now).unwrap();
        assert_eq!(
            named_key_version_number(&named_key_version(&named, 4_000_000_000)),
            Some(4_000_000_000)
        );
        let keys = [
            ("user profile", user_profile(&user)),
            ("user credential", user_credential(&user)),
            ("user counters", user_counters(&user)),
            ("session slot", session_slot(&user, 3)),
            ("cleanup state", cleanup_state()),
            ("cleanup orphan scan", cleanup_orphan_scan()),
            ("cleanup lease", cleanup_lease()),
            ("email claim", email_claim(digest)),
            ("login failures", login_failures(digest, 1_700_000_000)),
            ("login lock", login_lock(digest)),
            ("lockout count", lockout_count(digest)),
            ("session", session(digest)),
            (
                "one-time token",
                one_time_token(digest, OneTimePurpose::VerifyEmail),
            ),
            (
                "one-time token",
                one_time_token(digest, OneTimePurpose::ResetPassword),
            ),
            (
                "rate counter",
                rate_counter(RateBucket::LoginIp("203.0.113.7"), 1),
            ),
            (
                "rate counter",
                rate_counter(RateBucket::RegisterIp("2001:db8:0:0::/64"), 1),
            ),
            (
                "rate counter",
                rate_counter(RateBucket::ResetEmail(digest), 1),
            ),
            (
                "rate counter",
                rate_counter(RateBucket::VerifyUser(&user), 1),
            ),
            ("outbox message", outbox_message(user.as_str(), 1, "msg_x")),
            ("audit event", audit_link("_", 3, 7)),
            ("audit event", audit_link(user.as_str(), 15, 1)),
            ("audit shard head", audit_shard_head(org_id.as_str(), 3)),
            (
                "audit filter entry",
                audit_filter_entry(
                    org_id.as_str(),
                    AuditFilter::Action("auth.login"),
                    3,
                    "2026-11-29T00:00:00.000000000Z",
                    "evt_x",
                ),
            ),
            (
                "audit checkpoint",
                audit_checkpoint(org_id.as_str(), "2026-11-29T00:00:00.000000000Z", "cpt_x"),
            ),
            (
                "audit signing key",
                audit_signing_key("01arz3ndektsv4rrffq69g5fav"),
            ),
            ("audit signing key head", audit_signing_key_head()),
            ("org", org(&org_id)),
            ("org counters", org_counters(&org_id)),
            ("org owner count", org_owner_count(&org_id)),
            ("org member", org_member(&org_id, &user)),
            ("invitation", invitation(&org_id, &inv)),
            ("invitation claim", invitation_claim(digest, &org_id)),
            ("team", team(&org_id, &team_id)),
            ("team name", team_name(&org_id, digest)),
            ("team member", team_member(&org_id, &team_id, &user)),
            ("vault", vault(&org_id, &vault_id)),
            ("vault name", vault_name(&org_id, digest)),
            ("vault owner", vault_owner(&vault_id)),
            ("pii key", pii_key(&org_id, 1)),
            ("deployment key", deployment_key(DeploymentKey::EmailIndex)),
            ("signing key", signing_key("01arz3ndektsv4rrffq69g5fav")),
            ("signing key head", signing_key_head()),
            ("revocation", revocation(Revoked::AccessToken(digest))),
            ("revocation", revocation(Revoked::Vault(&vault_id))),
            ("revocation", revocation(Revoked::Certificate(&certificate))),
            ("revocation", revocation(Revoked::Client(&client_id))),
            ("refresh token", refresh_token(digest)),
            ("refresh family", refresh_family(&family)),
            ("client", client(&client_id)),
            (
                "client certificate",
                client_certificate(&client_id, &certificate),
            ),
            ("spent assertion", spent_assertion(&client_id, digest)),
            ("named key", named_key(&named)),
            ("named key version", named_key_version(&named, 7)),
            ("named key name", named_key_name(&org_id, digest)),
            ("dataset", dataset(&dataset_id)),
            ("dataset key version", dataset_key_version(&dataset_id, 2)),
            ("dataset name", dataset_name(&org_id, digest)),
            ("dataset job", dataset_job(&dataset_id, &job)),
            ("record", record(&record_id)),
            (
                "record index entry",
                record_index_entry(&record_id, "email"),
            ),
            ("idempotency key", idempotency_key(&dataset_id, digest)),
        ];
        let distinct: BTreeSet<&Key> = keys.iter().map(|(_, k)| k).collect();
        assert_eq!(distinct.len(), keys.len());
        for (name, key) in &keys {
            let kind = LAYOUT.iter().find(|k| k.name == *name).unwrap();
            assert!(key.pk.starts_with(head(kind.pk)), "{name}: {}", key.pk);
            assert!(
                kind.sk.split(" | ").any(|sk| key.sk.starts_with(head(sk))),
                "{name}: {}",
                key.sk
            );
        }
        let documented: BTreeSet<&str> = LAYOUT.iter().map(|k| k.name).collect();
        let made: BTreeSet<&str> = keys.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            documented, made,
            "every documented kind has a constructor here"
        );
    }

    #[test]
    fn a_revocation_key_reads_back_as_what_it_revokes() {
        let now = OffsetDateTime::now_utc();
        let vault = VaultId::generate(now).unwrap();
        let certificate = CertificateId::generate(now).unwrap();
        let client = ClientId::generate(now).unwrap();
        for (what, entry) in [
            (
                Revoked::AccessToken("j-1"),
                RevokedEntry::AccessToken("j-1".into()),
            ),
            (Revoked::Vault(&vault), RevokedEntry::Vault(vault.clone())),
            (
                Revoked::Certificate(&certificate),
                RevokedEntry::Certificate(certificate.clone()),
            ),
            (
                Revoked::Client(&client),
                RevokedEntry::Client(client.clone()),
            ),
        ] {
            assert_eq!(revoked_entry(&revocation(what)), Some(entry));
        }
        assert_eq!(revoked_entry(&vault_owner(&vault)), None);
    }

    #[test]
    fn the_key_layout_document_is_generated_from_the_schema() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/keys.md");
        let want = layout_markdown();
        if std::env::var_os("COFFER_UPDATE_DOCS").is_some() {
            std::fs::write(path, &want).unwrap();
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            have == want,
            "docs/keys.md is out of date: run `COFFER_UPDATE_DOCS=1 cargo test -p coffer-core schema`"
        );
    }
}
