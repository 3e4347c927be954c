//! A dataset's metadata: one item with its policies, its PII rule, its newest data-key version
//! (with that version's wrapped key, so a write reads one item) and its state.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use time::OffsetDateTime;

use super::policy::{FieldPolicy, FieldSpec, FieldSpecs};
use super::{DatasetError, PiiRule};
use crate::access::{Role, Scoped};
use crate::ids::{DatasetId, JobId, OrgId};
use crate::keys::WrappedKey;
use crate::orgs::Name;
use crate::store::attrs::{self, BadAttribute, rfc3339};
use crate::store::{Item, schema};

#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub id: DatasetId,
    pub org_id: OrgId,
    pub name: Name,
    pub description: String,
    /// The JSON Schema records must satisfy, if any.
    pub schema: Option<Value>,
    pub fields: FieldSpecs,
    pub pii: PiiRule,
    /// How many records the dataset expects: sets the tokenize indexes' length.
    pub expected_records: u64,
    /// The data-key version new records are sealed with.
    pub latest_version: u32,
    /// The oldest version a record may still be sealed with (raised when a re-encryption
    /// finishes).
    pub oldest_version: u32,
    /// A re-encryption job in progress.
    pub active_job: Option<JobId>,
    pub created_at: OffsetDateTime,
    pub created_by: String,
    pub updated_at: OffsetDateTime,
    /// Set by a soft delete: the dataset is gone for every route from then on.
    pub deleted_at: Option<OffsetDateTime>,
    /// When cleanup may purge a soft-deleted dataset.
    pub purge_after: Option<OffsetDateTime>,
    pub(super) latest_wrapped: WrappedKey,
    /// The item's version, for optimistic concurrency.
    pub(super) revision: u64,
}

impl Dataset {
    pub fn to_item(&self) -> Item {
        // Live, it is listed in its org's index; soft-deleted, it waits in the index of deleted
        // datasets until the cleanup may purge it (so the org's list no longer meets it).
        let index = match self.deleted_at {
            Some(deleted_at) => schema::deleted_dataset_index(
                &self.id,
                unix_ms(self.purge_after.unwrap_or(deleted_at)),
            ),
            None => schema::dataset_in_org_index(&self.org_id, &self.id),
        };
        Item::new(schema::dataset(&self.id))
            .with_gsi1(index.pk, index.sk)
            .with_version(self.revision)
            .with_attr("id", self.id.as_str())
            .with_attr("org_id", self.org_id.as_str())
            .with_attr("name", self.name.as_str())
            .with_attr("description", self.description.as_str())
            .with_attr(
                "schema",
                self.schema
                    .as_ref()
                    .map(|s| serde_json::to_string(s).unwrap_or_default()),
            )
            .with_attr(
                "fields",
                serde_json::to_string(&self.fields).unwrap_or_default(),
            )
            .with_attr("pii", self.pii.as_str())
            .with_attr("expected_records", self.expected_records)
            .with_attr("latest_version", self.latest_version)
            .with_attr("oldest_version", self.oldest_version)
            .with_attr("active_job", self.active_job.as_ref().map(JobId::to_string))
            .with_attr("created_at", rfc3339(self.created_at))
            .with_attr("created_by", self.created_by.as_str())
            .with_attr("updated_at", rfc3339(self.updated_at))
            .with_attr("deleted_at", self.deleted_at.map(rfc3339))
            .with_attr("purge_after", self.purge_after.map(rfc3339))
            .with_attr("latest_wrapped", STANDARD.encode(&self.latest_wrapped.0))
    }

    pub fn from_item(item: &Item) -> Result<Self, BadAttribute> {
        let schema = match item.attrs.get("schema") {
            Some(Value::String(raw)) => {
                Some(serde_json::from_str(raw).map_err(|_| BadAttribute("schema"))?)
            }
            _ => None,
        };
        Ok(Self {
            id: attrs::parsed(item, "id", DatasetId::parse)?,
            org_id: attrs::parsed(item, "org_id", OrgId::parse)?,
            name: attrs::parsed(item, "name", |raw| Name::parse(raw).ok())?,
            description: attrs::text(item, "description")?.to_owned(),
            schema,
            fields: attrs::parsed(item, "fields", |raw| serde_json::from_str(raw).ok())?,
            pii: attrs::parsed(item, "pii", PiiRule::parse)?,
            expected_records: u64::try_from(attrs::count(item, "expected_records"))
                .map_err(|_| BadAttribute("expected_records"))?,
            latest_version: attrs::version(item, "latest_version")?,
            oldest_version: attrs::version(item, "oldest_version")?,
            active_job: item
                .attrs
                .get("active_job")
                .and_then(Value::as_str)
                .map(|raw| JobId::parse(raw).ok_or(BadAttribute("active_job")))
                .transpose()?,
            created_at: attrs::time(item, "created_at")?,
            created_by: attrs::text(item, "created_by")?.to_owned(),
            updated_at: attrs::time(item, "updated_at")?,
            deleted_at: attrs::optional_time(item, "deleted_at")?,
            purge_after: attrs::optional_time(item, "purge_after")?,
            latest_wrapped: WrappedKey(attrs::parsed(item, "latest_wrapped", |raw| {
                STANDARD.decode(raw).ok()
            })?),
            revision: item.version,
        })
    }

    /// The claim on the dataset's name in its org.
    pub fn name_claim(&self) -> Item {
        Item::new(schema::dataset_name(
            &self.org_id,
            &self.name.claim_digest(),
        ))
        .with_attr("dataset_id", self.id.as_str())
    }

    /// The dataset as `at` may see it: another org's, or a soft-deleted one, is not found.
    pub fn visible_to(self, at: &Scoped) -> Result<Self, DatasetError> {
        if self.deleted_at.is_some() || &self.org_id != at.org() {
            return Err(DatasetError::NotFound("dataset"));
        }
        Ok(self)
    }

    /// The field's spec, if the dataset has it.
    pub fn field(&self, name: &str) -> Option<&FieldSpec> {
        self.fields.get(name)
    }

    /// Whether the dataset names its fields (by policy or in its schema's `properties`): then
    /// a record may hold no other top-level field.
    pub fn allows_field(&self, name: &str) -> bool {
        if self.fields.contains_key(name) {
            return true;
        }
        match self.schema.as_ref().and_then(|s| s.get("properties")) {
            Some(Value::Object(properties)) => properties.contains_key(name),
            _ => self.fields.is_empty() && self.schema_properties_unset(),
        }
    }

    fn schema_properties_unset(&self) -> bool {
        self.schema
            .as_ref()
            .and_then(|s| s.get("properties"))
            .is_none()
    }

    /// A field's policy: declared, or `plain` for one only the schema names.
    pub fn policy_of(&self, name: &str) -> FieldPolicy {
        self.fields
            .get(name)
            .map_or(FieldPolicy::Plain, |spec| spec.policy)
    }

    /// The fields whose values are sealed.
    pub fn sealed_fields(&self) -> impl Iterator<Item = (&String, &FieldSpec)> {
        self.fields.iter().filter(|(_, s)| s.policy.is_sealed())
    }

    /// The fields with index entries.
    pub fn searchable_fields(&self) -> impl Iterator<Item = (&String, &FieldSpec)> {
        self.fields.iter().filter(|(_, s)| s.searchable)
    }
}

/// Unix milliseconds of `at`.
fn unix_ms(at: OffsetDateTime) -> i128 {
    at.unix_timestamp_nanos() / 1_000_000
}

/// A dataset's item as its org's purge leaves it: soft-deleted as of `at` (the org's deletion)
/// if it was live, and in the index of deleted datasets by its purge time, with its revision
/// moved. `None` when it is there already or the item is not a dataset's. Works on the item's
/// attributes alone, so that a dataset whose item no longer parses still leaves with its org.
pub fn deleted_with_org(item: &Item, at: OffsetDateTime) -> Option<Item> {
    let id = attrs::parsed(item, "id", DatasetId::parse).ok()?;
    if item.key != schema::dataset(&id) {
        return None;
    }
    let deleted_at = attrs::optional_time(item, "deleted_at").ok().flatten();
    let purge_after = attrs::optional_time(item, "purge_after")
        .ok()
        .flatten()
        .or(deleted_at)
        .unwrap_or(at);
    let index = schema::deleted_dataset_index(&id, unix_ms(purge_after));
    if item.gsi1.as_ref() == Some(&index) {
        return None;
    }
    let mut deleted = item.clone();
    deleted.gsi1 = Some(index);
    deleted.version += 1;
    deleted.attrs.insert(
        "deleted_at".to_owned(),
        Value::String(rfc3339(deleted_at.unwrap_or(at))),
    );
    deleted.attrs.insert(
        "purge_after".to_owned(),
        Value::String(rfc3339(purge_after)),
    );
    Some(deleted)
}

/// Whether a reader of `at` sees what admins see (owners and admins do; members and machine
/// clients see the member view).
pub fn reads_as_admin(at: &Scoped) -> bool {
    matches!(at.role(), Role::Owner | Role::Admin)
}
