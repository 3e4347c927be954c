//! The expectation table: every operation of the document, classified by hand from API.md's
//! role rules ("`owner` everything; `admin` everything but deleting the org and adding or
//! demoting owners; `member` reads and uses the org's keys, datasets and PII operators; a
//! caller who is not a member gets 404 for every route of the org; a member without the right
//! gets 403") and docs/tokens.md ("a token acts with what its principal's role allows **and**
//! its scopes name; an org-bound token is 404 in any other org"). An operation missing from
//! the table fails the test, so a new route has to be classified here.
//!
//! Where each refusal comes from, in the order the code checks (axum runs a handler's
//! extractors in argument order, then the handler):
//! 1. the credential (`Caller`): none, or a bad one, is 401 — before anything else;
//! 2. the body (`BoundedJson`): its shape alone (400/415/422), never the org's data — so a
//!    stranger who sends a malformed body gets 422, which tells nothing about the org; the
//!    matrix sends valid bodies so that its refusals come from the gate. `/v1/validate`'s
//!    "`schema` or `dataset_id`" and `/v1/tokens/revoke`'s "`token` or `vault_id`" are also
//!    checked before the gate, from the body alone;
//! 3. session-only routes (`POST /v1/tokens`): an access token is 403 before the gate;
//! 4. the gate (`scope`, `scope_key`, `scope_dataset`): a resource of an org the caller is not
//!    in, an org-bound token in another org, is 404; a role or a token scope that does not
//!    allow the route's permission is 403;
//! 5. the service's own rules for the particular target (removing someone else needs
//!    `members:manage` where leaving needs only `org:read`): 403.

use coffer_core::access::{Permission, Permission as P, Role};

use super::principals::Who;

/// How the table classifies an operation.
#[derive(Debug, Clone, Copy)]
pub enum Class {
    /// Not an org's resource (why): the caller's own account, public metadata, or a route
    /// whose org-scoped form is another row.
    NotOrgScoped(#[allow(dead_code)] &'static str),
    Org(Rule),
}

/// What an org-scoped route needs, for the request the matrix sends.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The permission the gate checks.
    pub need: Permission,
    /// A permission the service checks beside it for the matrix's target (a role check on the
    /// `Scoped` value), which the credential's scopes must name too.
    pub also: Option<Permission>,
    /// The success status.
    pub ok: u16,
    /// Only a session may call it: an access token is 403 first.
    pub session_only: bool,
    /// It destroys what it names: each principal allowed to gets a throwaway resource.
    pub destroys: bool,
    /// It ends the target org: runs after every other route.
    pub last: bool,
}

const fn org(need: Permission, ok: u16) -> Class {
    Class::Org(Rule {
        need,
        also: None,
        ok,
        session_only: false,
        destroys: false,
        last: false,
    })
}

const fn destroys(need: Permission, ok: u16) -> Class {
    match org(need, ok) {
        Class::Org(rule) => Class::Org(Rule {
            destroys: true,
            ..rule
        }),
        other => other,
    }
}

/// The table, keyed `METHOD /path` as the document writes it.
pub const TABLE: &[(&str, Class)] = &[
    // Health, discovery, identity: no org's data.
    ("GET /v1/health", Class::NotOrgScoped("liveness, public")),
    (
        "GET /v1/health/ready",
        Class::NotOrgScoped("readiness, public"),
    ),
    (
        "GET /.well-known/jwks.json",
        Class::NotOrgScoped("public signing keys"),
    ),
    (
        "GET /.well-known/openid-configuration",
        Class::NotOrgScoped("public discovery"),
    ),
    (
        "GET /v1/auth/activity",
        Class::NotOrgScoped("the caller's own events"),
    ),
    (
        "POST /v1/auth/email/verify/confirm",
        Class::NotOrgScoped("the caller's own address"),
    ),
    (
        "POST /v1/auth/email/verify/request",
        Class::NotOrgScoped("the caller's own address"),
    ),
    (
        "POST /v1/auth/login",
        Class::NotOrgScoped("credentials, no org"),
    ),
    (
        "POST /v1/auth/logout",
        Class::NotOrgScoped("the caller's own session"),
    ),
    (
        "GET /v1/auth/me",
        Class::NotOrgScoped("the caller's own profile"),
    ),
    (
        "POST /v1/auth/password",
        Class::NotOrgScoped("the caller's own password"),
    ),
    (
        "POST /v1/auth/password/reset/confirm",
        Class::NotOrgScoped("a mailed code, no org"),
    ),
    (
        "POST /v1/auth/password/reset/request",
        Class::NotOrgScoped("an address, no org"),
    ),
    (
        "POST /v1/auth/register",
        Class::NotOrgScoped("a new account"),
    ),
    (
        "GET /v1/auth/sessions",
        Class::NotOrgScoped("the caller's own sessions"),
    ),
    (
        "DELETE /v1/auth/sessions/{id}",
        Class::NotOrgScoped("the caller's own session"),
    ),
    (
        "PUT /v1/users/me",
        Class::NotOrgScoped("the caller's own profile"),
    ),
    (
        "POST /v1/oauth/token",
        Class::NotOrgScoped("a grant: the assertion is the credential"),
    ),
    (
        "POST /v1/tokens/refresh",
        Class::NotOrgScoped("a refresh token is the credential"),
    ),
    (
        "POST /v1/pii/detect",
        Class::NotOrgScoped("keyless detection, no org"),
    ),
    // Lists only the caller's orgs (the test checks a stranger's list separately).
    ("GET /v1/orgs", Class::NotOrgScoped("the caller's own orgs")),
    (
        "POST /v1/orgs",
        Class::NotOrgScoped("a new org, owned by the caller"),
    ),
    // Organizations (function `orgs`).
    ("GET /v1/orgs/{org}", org(P::OrgRead, 200)),
    ("PATCH /v1/orgs/{org}", org(P::OrgRename, 200)),
    (
        "DELETE /v1/orgs/{org}",
        Class::Org(Rule {
            need: P::OrgDelete,
            also: None,
            ok: 204,
            session_only: false,
            destroys: false,
            last: true,
        }),
    ),
    ("GET /v1/orgs/{org}/members", org(P::MembersRead, 200)),
    // A fresh, unregistered address: an invitation.
    ("POST /v1/orgs/{org}/members", org(P::MembersManage, 202)),
    // A member made a member again: allowed to admins, changes nothing.
    (
        "PATCH /v1/orgs/{org}/members/{user}",
        org(P::MembersManage, 200),
    ),
    // The gate asks only `org:read` (anyone may leave); removing someone else needs
    // `members:manage` on top.
    (
        "DELETE /v1/orgs/{org}/members/{user}",
        Class::Org(Rule {
            need: P::OrgRead,
            also: Some(P::MembersManage),
            ok: 204,
            session_only: false,
            destroys: true,
            last: false,
        }),
    ),
    // Pending invitations name addresses of people who are not members yet: managers only.
    ("GET /v1/orgs/{org}/invitations", org(P::MembersManage, 200)),
    (
        "DELETE /v1/orgs/{org}/invitations/{invitation}",
        destroys(P::MembersManage, 204),
    ),
    ("GET /v1/orgs/{org}/teams", org(P::TeamsRead, 200)),
    ("POST /v1/orgs/{org}/teams", org(P::TeamsManage, 201)),
    (
        "DELETE /v1/orgs/{org}/teams/{team}",
        destroys(P::TeamsManage, 204),
    ),
    (
        "GET /v1/orgs/{org}/teams/{team}/members",
        org(P::TeamsRead, 200),
    ),
    // Into a fresh team each time, so a second allowed add is no duplicate.
    (
        "POST /v1/orgs/{org}/teams/{team}/members",
        destroys(P::TeamsManage, 201),
    ),
    (
        "DELETE /v1/orgs/{org}/teams/{team}/members/{user}",
        destroys(P::TeamsManage, 204),
    ),
    ("GET /v1/orgs/{org}/vaults", org(P::VaultsRead, 200)),
    ("POST /v1/orgs/{org}/vaults", org(P::VaultsManage, 201)),
    ("GET /v1/orgs/{org}/vaults/{vault}", org(P::VaultsRead, 200)),
    (
        "DELETE /v1/orgs/{org}/vaults/{vault}",
        destroys(P::VaultsManage, 204),
    ),
    // Machine clients (function `clients`): reading them is reading the org's members.
    ("GET /v1/orgs/{org}/clients", org(P::MembersRead, 200)),
    ("POST /v1/orgs/{org}/clients", org(P::MembersManage, 201)),
    (
        "GET /v1/orgs/{org}/clients/{client}",
        org(P::MembersRead, 200),
    ),
    (
        "DELETE /v1/orgs/{org}/clients/{client}",
        destroys(P::MembersManage, 204),
    ),
    (
        "GET /v1/orgs/{org}/clients/{client}/certificates",
        org(P::MembersRead, 200),
    ),
    (
        "POST /v1/orgs/{org}/clients/{client}/certificates",
        org(P::MembersManage, 201),
    ),
    (
        "DELETE /v1/orgs/{org}/clients/{client}/certificates/{certificate}",
        destroys(P::MembersManage, 204),
    ),
    // Tokens (function `tokens`): bound to the target org's vault, or revoking its tokens (the
    // `{token}` form of revoke ends one of the caller's own tokens: no org).
    (
        "POST /v1/tokens",
        Class::Org(Rule {
            need: P::VaultsRead,
            also: None,
            ok: 201,
            session_only: true,
            destroys: false,
            last: false,
        }),
    ),
    ("POST /v1/tokens/revoke", org(P::VaultsManage, 204)),
    // Data vault (function `datasets`): the org is in the body, the query or the dataset.
    ("GET /v1/datasets", org(P::DatasetsRead, 200)),
    ("POST /v1/datasets", org(P::DatasetsManage, 201)),
    ("GET /v1/datasets/{id}", org(P::DatasetsRead, 200)),
    ("PUT /v1/datasets/{id}", org(P::DatasetsManage, 200)),
    ("DELETE /v1/datasets/{id}", destroys(P::DatasetsManage, 204)),
    // A fresh dataset each time: a second re-key while one runs is a 409.
    (
        "POST /v1/datasets/{id}/rotate",
        destroys(P::DatasetsManage, 202),
    ),
    (
        "GET /v1/datasets/{id}/jobs/{job}",
        org(P::DatasetsRead, 200),
    ),
    ("GET /v1/datasets/{id}/records", org(P::RecordsRead, 200)),
    ("POST /v1/datasets/{id}/records", org(P::RecordsWrite, 201)),
    (
        "GET /v1/datasets/{id}/records/{rid}",
        org(P::RecordsRead, 200),
    ),
    (
        "DELETE /v1/datasets/{id}/records/{rid}",
        destroys(P::RecordsWrite, 204),
    ),
    (
        "GET /v1/datasets/{id}/records/{rid}/payload",
        org(P::RecordsRead, 200),
    ),
    (
        "PUT /v1/datasets/{id}/records/{rid}/payload",
        org(P::RecordsWrite, 200),
    ),
    (
        "POST /v1/datasets/{id}/records/{rid}/payload/upload-url",
        org(P::RecordsWrite, 200),
    ),
    (
        "GET /v1/datasets/{id}/records/{rid}/payload/url",
        org(P::RecordsRead, 200),
    ),
    ("GET /v1/datasets/{id}/search", org(P::RecordsRead, 200)),
    // Encryption as a service (function `crypto`): the org is the key's.
    ("GET /v1/keys", org(P::KeysUse, 200)),
    ("POST /v1/keys", org(P::KeysManage, 201)),
    ("GET /v1/keys/{key}", org(P::KeysUse, 200)),
    ("PATCH /v1/keys/{key}", org(P::KeysManage, 200)),
    ("DELETE /v1/keys/{key}", destroys(P::KeysManage, 204)),
    ("POST /v1/keys/{key}/rotate", org(P::KeysManage, 200)),
    ("POST /v1/keys/{key}/trim", org(P::KeysManage, 200)),
    ("POST /v1/encrypt", org(P::KeysUse, 200)),
    ("POST /v1/decrypt", org(P::KeysUse, 200)),
    ("POST /v1/rewrap", org(P::KeysUse, 200)),
    // PII (function `pii`): `tokenize` with the org's key (without `org_id` and keyed
    // operators, anonymize is keyless and public); reversing its tokens; checking records
    // against a dataset (with an inline `schema` instead, validate is public).
    ("POST /v1/anonymize", org(P::PiiUse, 200)),
    ("POST /v1/deanonymize", org(P::PiiDeanonymize, 200)),
    ("POST /v1/validate", org(P::DatasetsRead, 200)),
    // Audit (function `audit`).
    ("GET /v1/audit/logs", org(P::AuditRead, 200)),
    ("GET /v1/audit/verify", org(P::AuditRead, 200)),
    ("GET /v1/audit/checkpoints", org(P::AuditRead, 200)),
    ("POST /v1/audit/checkpoints", org(P::AuditCheckpoint, 201)),
];

/// The table's class of `key`, if it has one.
pub fn classify(key: &str) -> Option<Class> {
    TABLE
        .iter()
        .find(|(row, _)| *row == key)
        .map(|(_, class)| *class)
}

impl Rule {
    fn needs(&self) -> impl Iterator<Item = Permission> {
        std::iter::once(self.need).chain(self.also)
    }

    /// Whether `role` allows everything the request needs.
    fn role_allows(&self, role: Role) -> bool {
        self.needs().all(|need| role.allows(need))
    }

    /// Whether a token scoped `org:read` alone names everything the request needs.
    fn only_org_read(&self) -> bool {
        self.needs().all(|need| need == P::OrgRead)
    }

    /// The status `who` must get.
    pub fn expected(&self, who: Who) -> u16 {
        let allowed = |yes: bool| if yes { self.ok } else { 403 };
        match who {
            Who::Anonymous => 401,
            Who::Outsider | Who::OtherAdmin => 404,
            Who::OtherMachine
            | Who::AdminTokenForOtherOrg
            | Who::Machine
            | Who::NarrowMachine
            | Who::NarrowAdminToken
                if self.session_only =>
            {
                403
            }
            Who::OtherMachine | Who::AdminTokenForOtherOrg => 404,
            Who::Owner => allowed(self.role_allows(Role::Owner)),
            Who::Admin => allowed(self.role_allows(Role::Admin)),
            // A client's scopes are a member's at most, so a full client is a member.
            Who::Member | Who::Machine => allowed(self.role_allows(Role::Member)),
            Who::NarrowMachine => allowed(self.role_allows(Role::Member) && self.only_org_read()),
            Who::NarrowAdminToken => allowed(self.role_allows(Role::Admin) && self.only_org_read()),
        }
    }
}
