//! What a principal may ask to do in an org. Roles map to permissions in [`super::Role::allows`].

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    OrgRead,
    OrgRename,
    OrgDelete,
    MembersRead,
    /// Add, remove and change the role of admins and members; see and revoke invitations.
    MembersManage,
    /// Add, promote, demote or remove owners.
    OwnersManage,
    TeamsRead,
    TeamsManage,
    VaultsRead,
    VaultsManage,
    /// `hash` and `tokenize` with the org's PII keys.
    PiiUse,
    /// Reverse the org's PII tokens.
    PiiDeanonymize,
    /// Encrypt, decrypt and rewrap with the org's named keys, and read their metadata.
    KeysUse,
    /// Create, rotate, retire, trim and delete the org's named keys.
    KeysManage,
    /// Read the org's datasets' metadata (names, policies, jobs).
    DatasetsRead,
    /// Create, change, delete and re-key the org's datasets.
    DatasetsManage,
    /// Read records (decrypted as the caller's role's view allows), search, read payloads.
    RecordsRead,
    /// Write and delete records and their payloads.
    RecordsWrite,
    /// Read the org's audit log, verify its chains, read its checkpoints.
    AuditRead,
    /// Write a signed checkpoint of the org's audit chains on demand.
    AuditCheckpoint,
}

impl Permission {
    pub const ALL: [Permission; 20] = [
        Self::OrgRead,
        Self::OrgRename,
        Self::OrgDelete,
        Self::MembersRead,
        Self::MembersManage,
        Self::OwnersManage,
        Self::TeamsRead,
        Self::TeamsManage,
        Self::VaultsRead,
        Self::VaultsManage,
        Self::PiiUse,
        Self::PiiDeanonymize,
        Self::KeysUse,
        Self::KeysManage,
        Self::DatasetsRead,
        Self::DatasetsManage,
        Self::RecordsRead,
        Self::RecordsWrite,
        Self::AuditRead,
        Self::AuditCheckpoint,
    ];

    /// The permission a name such as `vaults:read` names (scopes are written this way).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrgRead => "org:read",
            Self::OrgRename => "org:rename",
            Self::OrgDelete => "org:delete",
            Self::MembersRead => "members:read",
            Self::MembersManage => "members:manage",
            Self::OwnersManage => "owners:manage",
            Self::TeamsRead => "teams:read",
            Self::TeamsManage => "teams:manage",
            Self::VaultsRead => "vaults:read",
            Self::VaultsManage => "vaults:manage",
            Self::PiiUse => "pii:use",
            Self::PiiDeanonymize => "pii:deanonymize",
            Self::KeysUse => "keys:use",
            Self::KeysManage => "keys:manage",
            Self::DatasetsRead => "datasets:read",
            Self::DatasetsManage => "datasets:manage",
            Self::RecordsRead => "records:read",
            Self::RecordsWrite => "records:write",
            Self::AuditRead => "audit:read",
            Self::AuditCheckpoint => "audit:checkpoint",
        }
    }
}
