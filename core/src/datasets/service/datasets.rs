//! Create, list, get, change and soft-delete datasets. A dataset's first key version is made
//! with it; it counts against the org's tier (the `datasets` counter, moved in the create's
//! transaction with the tier's ceiling) and its name is unique in the org (a claim item).

use std::collections::BTreeMap;

use coffer_pii::SchemaValidator;
use serde_json::Value;

use super::DatasetsService;
use crate::access::Scoped;
use crate::audit::{Change, Outcome, RequestOrigin, retrying};
use crate::datasets::blind_index::index_bits;
use crate::datasets::policy::{FieldRequest, FieldSpec, FieldSpecs, is_valid_field_name};
use crate::datasets::version::data_key_context;
use crate::datasets::{Dataset, DatasetError, PiiRule};
use crate::http::FieldError;
use crate::ids::DatasetId;
use crate::keys::WrappedVersion;
use crate::orgs::{Name, Paged};
use crate::store::{Bounds, Condition, Cursor, Query, schema};

/// Longest description.
pub const MAX_DESCRIPTION: usize = 1000;
/// Largest JSON Schema, as JSON text.
pub const MAX_SCHEMA_BYTES: usize = 64 * 1024;
/// Most fields with a policy.
pub const MAX_FIELDS: usize = 200;
/// Most searchable fields: a record's index entries are written in its transaction (at most
/// 100 operations with the record and its audit event).
pub const MAX_SEARCHABLE_FIELDS: usize = 20;
/// Records a dataset expects unless told (sets the tokenize indexes' length).
pub const DEFAULT_EXPECTED_RECORDS: u64 = 1_000_000;
/// Most records a dataset may say it expects.
pub const MAX_EXPECTED_RECORDS: u64 = 1_000_000_000_000;

/// What a create asks for.
#[derive(Debug, Clone)]
pub struct NewDataset {
    pub name: Name,
    pub description: Option<String>,
    pub schema: Option<Value>,
    pub fields: BTreeMap<String, FieldRequest>,
    pub pii: Option<PiiRule>,
    pub expected_records: Option<u64>,
}

/// What a change asks for: each part given replaces the dataset's. Fields may gain views and
/// new fields; an existing field keeps its policy (its records are stored that way).
#[derive(Debug, Clone, Default)]
pub struct DatasetPatch {
    pub name: Option<Name>,
    pub description: Option<String>,
    pub schema: Option<Value>,
    pub fields: Option<BTreeMap<String, FieldRequest>>,
    pub pii: Option<PiiRule>,
}

impl DatasetsService {
    /// Creates a dataset in `at`'s org with its first data-key version.
    #[tracing::instrument(skip_all, fields(org_id = %at.org()))]
    pub async fn create_dataset(
        &self,
        at: &Scoped,
        new: NewDataset,
        origin: &RequestOrigin,
    ) -> Result<Dataset, DatasetError> {
        let expected_records = new.expected_records.unwrap_or(DEFAULT_EXPECTED_RECORDS);
        if !(1..=MAX_EXPECTED_RECORDS).contains(&expected_records) {
            return Err(DatasetError::invalid(
                "expected_records",
                format!("from 1 to {MAX_EXPECTED_RECORDS}"),
            ));
        }
        let description = check_description(new.description)?;
        check_schema(new.schema.as_ref())?;
        let fields = field_specs(&new.fields, &FieldSpecs::new(), expected_records)?;
        let now = self.clock.now();
        let id = DatasetId::generate(now)?;
        let generated = self
            .keys
            .generate_data_key(&data_key_context(at.org(), &id, 1))
            .await?;
        let dataset = Dataset {
            id: id.clone(),
            org_id: at.org().clone(),
            name: new.name,
            description,
            schema: new.schema,
            fields,
            pii: new.pii.unwrap_or_default(),
            expected_records,
            latest_version: 1,
            oldest_version: 1,
            active_job: None,
            created_at: now,
            created_by: at.principal().actor_id().to_owned(),
            updated_at: now,
            deleted_at: None,
            purge_after: None,
            latest_wrapped: generated.wrapped.clone(),
            revision: 1,
        };
        let first = WrappedVersion {
            version: 1,
            wrapped: generated.wrapped,
            created_at: now,
        };
        let tier = at.org_record().tier;
        let (dataset_ref, first_ref) = (&dataset, &first);
        // Retried: racing creates may lose a transaction conflict without breaking a rule.
        retrying(|| async move {
            let event = self.event(
                at,
                "datasets.create",
                Outcome::Success,
                origin,
                &dataset_ref.id,
            )?;
            Change::new(event)
                .org_is_live_or(at.org(), DatasetError::NotFound("organization"))
                .add_or(
                    schema::org_counters(at.org()),
                    "datasets",
                    1,
                    Bounds::at_most(tier.dataset_limit()),
                    DatasetError::TierLimit {
                        tier: tier.as_str(),
                        limit: tier.dataset_limit().unwrap_or(i64::MAX),
                    },
                )
                .put_or(
                    dataset_ref.name_claim(),
                    Condition::MustNotExist,
                    DatasetError::NameTaken,
                )
                .put(dataset_ref.to_item(), Condition::MustNotExist)
                .put(
                    first_ref.to_item(schema::dataset_key_version(&dataset_ref.id, 1)),
                    Condition::MustNotExist,
                )
                .commit(&*self.table)
                .await?;
            Ok::<_, DatasetError>(())
        })
        .await?;
        Ok(dataset)
    }

    /// One page of the org's live datasets, in creation order.
    #[tracing::instrument(skip_all, fields(org_id = %at.org()))]
    pub async fn list_datasets(
        &self,
        at: &Scoped,
        limit: usize,
        cursor: Option<Cursor>,
    ) -> Result<Paged<Dataset>, DatasetError> {
        let query = Query::gsi1(schema::org_partition(at.org()))
            .prefix(schema::ORG_DATASETS_PREFIX)
            .limit(limit)
            .after(cursor);
        let page = self.table.query(&query).await?;
        let mut items = Vec::with_capacity(page.items.len());
        for item in &page.items {
            let dataset = Dataset::from_item(item)?;
            // A soft-deleted dataset is gone for its org already (a page may come out short).
            if dataset.deleted_at.is_none() {
                items.push(dataset);
            }
        }
        Ok(Paged {
            items,
            next_cursor: page.next_cursor,
        })
    }

    /// The dataset as `at` may see it (the gate located it; this checks the org).
    pub fn get_dataset(&self, at: &Scoped, dataset: Dataset) -> Result<Dataset, DatasetError> {
        dataset.visible_to(at)
    }

    /// Changes the dataset's name, description, schema, fields or PII rule.
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), dataset_id = %id))]
    pub async fn update_dataset(
        &self,
        at: &Scoped,
        id: &DatasetId,
        patch: DatasetPatch,
        origin: &RequestOrigin,
    ) -> Result<Dataset, DatasetError> {
        if let Some(description) = &patch.description {
            check_description(Some(description.clone()))?;
        }
        check_schema(patch.schema.as_ref())?;
        let patch = &patch;
        // Retried: another change may have moved the dataset's revision.
        retrying(|| async move {
            let current = self.current(at, id).await?;
            let mut next = current.clone();
            if let Some(name) = &patch.name {
                next.name = name.clone();
            }
            if let Some(description) = &patch.description {
                next.description = description.clone();
            }
            if let Some(schema) = &patch.schema {
                next.schema = (!schema.is_null()).then(|| schema.clone());
            }
            if let Some(fields) = &patch.fields {
                next.fields = field_specs(fields, &current.fields, current.expected_records)?;
            }
            if let Some(pii) = patch.pii {
                next.pii = pii;
            }
            next.updated_at = self.clock.now();
            next.revision += 1;
            let event = self.event(at, "datasets.update", Outcome::Success, origin, id)?;
            let mut change =
                Change::new(event).put(next.to_item(), Condition::VersionEquals(current.revision));
            if next.name.claim_digest() != current.name.claim_digest() {
                change = change
                    .put_or(
                        next.name_claim(),
                        Condition::MustNotExist,
                        DatasetError::NameTaken,
                    )
                    .delete(current.name_claim().key, Condition::None);
            }
            change.commit(&*self.table).await?;
            Ok::<_, DatasetError>(next)
        })
        .await
    }

    /// Soft-deletes the dataset: gone for every route at once, its name and tier place freed;
    /// cleanup purges it with its records and payloads after the retention period.
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), dataset_id = %id))]
    pub async fn delete_dataset(
        &self,
        at: &Scoped,
        id: &DatasetId,
        origin: &RequestOrigin,
    ) -> Result<(), DatasetError> {
        retrying(|| async move {
            let current = self.current(at, id).await?;
            let now = self.clock.now();
            let mut deleted = current.clone();
            deleted.deleted_at = Some(now);
            deleted.purge_after = Some(now + self.settings.retention);
            deleted.revision += 1;
            let event = self.event(at, "datasets.delete", Outcome::Success, origin, id)?;
            Change::new(event)
                .put(
                    deleted.to_item(),
                    Condition::VersionEquals(current.revision),
                )
                .delete(current.name_claim().key, Condition::None)
                .add(schema::org_counters(at.org()), "datasets", -1)
                .commit(&*self.table)
                .await?;
            Ok::<_, DatasetError>(())
        })
        .await
    }
}

fn check_description(description: Option<String>) -> Result<String, DatasetError> {
    let description = description.unwrap_or_default();
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(DatasetError::invalid(
            "description",
            format!("at most {MAX_DESCRIPTION} characters"),
        ));
    }
    Ok(description)
}

/// A schema, if given, is at most 64 KiB and compiles (no references outside itself).
fn check_schema(schema: Option<&Value>) -> Result<(), DatasetError> {
    let Some(schema) = schema.filter(|s| !s.is_null()) else {
        return Ok(());
    };
    if serde_json::to_vec(schema).map_or(usize::MAX, |v| v.len()) > MAX_SCHEMA_BYTES {
        return Err(DatasetError::invalid(
            "schema",
            format!("at most {MAX_SCHEMA_BYTES} bytes"),
        ));
    }
    SchemaValidator::compile(schema)
        .map(|_| ())
        .map_err(|e| DatasetError::invalid("schema", e.to_string()))
}

/// The specs `requested` asks for, on top of `existing` ones: names checked, existing fields
/// keeping their policy and none dropped (records are stored by them), new tokenize fields
/// indexed for `expected_records`.
fn field_specs(
    requested: &BTreeMap<String, FieldRequest>,
    existing: &FieldSpecs,
    expected_records: u64,
) -> Result<FieldSpecs, DatasetError> {
    let mut errors = Vec::new();
    if requested.len() > MAX_FIELDS {
        errors.push(FieldError::new("fields", format!("at most {MAX_FIELDS}")));
    }
    let bits = index_bits(expected_records);
    let mut specs = FieldSpecs::new();
    for (name, request) in requested {
        let path = format!("fields.{name}");
        if !is_valid_field_name(name) {
            errors.push(FieldError::new(
                path,
                "a field name is a letter or _ then letters, digits or _, at most 64",
            ));
            continue;
        }
        match FieldSpec::from_request(request, bits) {
            Ok(mut spec) => {
                if let Some(before) = existing.get(name) {
                    if before.policy != spec.policy || before.searchable != spec.searchable {
                        errors.push(FieldError::new(
                            path,
                            "an existing field keeps its policy and searchability",
                        ));
                        continue;
                    }
                    spec.index_bits = before.index_bits;
                }
                specs.insert(name.clone(), spec);
            }
            Err(message) => errors.push(FieldError::new(path, message)),
        }
    }
    if specs.values().filter(|s| s.searchable).count() > MAX_SEARCHABLE_FIELDS {
        errors.push(FieldError::new(
            "fields",
            format!("at most {MAX_SEARCHABLE_FIELDS} searchable fields"),
        ));
    }
    for name in existing.keys().filter(|n| !requested.contains_key(*n)) {
        errors.push(FieldError::new(
            format!("fields.{name}"),
            "an existing field cannot be removed",
        ));
    }
    if errors.is_empty() {
        Ok(specs)
    } else {
        Err(DatasetError::Invalid(errors))
    }
}
