//! A re-encryption job: after a rotation, every record (and payload) of a dataset is re-sealed
//! under the new version. The job is an item that says where it stopped, so any worker can
//! resume it after a crash or a timeout, and two overlapping workers do no harm (re-sealing a
//! record is conditional on the record's revision and skips what is already under the target).

use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

use crate::ids::{DatasetId, JobId, OrgId};
use crate::store::attrs::{self, BadAttribute, rfc3339};
use crate::store::{Cursor, Item, schema};

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Counting the records, so `total` is known.
    Counting,
    /// Re-sealing records.
    Running,
    Done,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Counting => "counting",
            Self::Running => "running",
            Self::Done => "done",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        [Self::Counting, Self::Running, Self::Done]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReencryptionJob {
    pub id: JobId,
    pub dataset_id: DatasetId,
    pub org_id: OrgId,
    /// The version every record ends up sealed with.
    pub target_version: u32,
    pub state: JobState,
    /// Records visited by the re-sealing pass.
    pub done: u64,
    /// Records counted (final once the state is `running`).
    pub total: u64,
    /// Where the current pass stopped.
    pub cursor: Option<Cursor>,
    pub started_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
    pub(super) revision: u64,
}

impl ReencryptionJob {
    pub fn to_item(&self) -> Item {
        let mut item = Item::new(schema::dataset_job(&self.dataset_id, &self.id))
            .with_version(self.revision)
            .with_attr("id", self.id.as_str())
            .with_attr("dataset_id", self.dataset_id.as_str())
            .with_attr("org_id", self.org_id.as_str())
            .with_attr("target_version", self.target_version)
            .with_attr("state", self.state.as_str())
            .with_attr("done", self.done)
            .with_attr("total", self.total)
            .with_attr("cursor", self.cursor.as_ref().map(Cursor::encode))
            .with_attr("started_at", rfc3339(self.started_at))
            .with_attr("finished_at", self.finished_at.map(rfc3339));
        if self.state != JobState::Done {
            let index = schema::running_job_index(&self.id);
            item = item.with_gsi1(index.pk, index.sk);
        }
        item
    }

    pub fn from_item(item: &Item) -> Result<Self, BadAttribute> {
        Ok(Self {
            id: attrs::parsed(item, "id", JobId::parse)?,
            dataset_id: attrs::parsed(item, "dataset_id", DatasetId::parse)?,
            org_id: attrs::parsed(item, "org_id", OrgId::parse)?,
            target_version: attrs::version(item, "target_version")?,
            state: attrs::parsed(item, "state", JobState::parse)?,
            done: u64::try_from(attrs::count(item, "done")).map_err(|_| BadAttribute("done"))?,
            total: u64::try_from(attrs::count(item, "total")).map_err(|_| BadAttribute("total"))?,
            cursor: match item.attrs.get("cursor") {
                Some(Value::String(raw)) => {
                    Some(Cursor::decode(raw).map_err(|_| BadAttribute("cursor"))?)
                }
                _ => None,
            },
            started_at: attrs::time(item, "started_at")?,
            finished_at: attrs::optional_time(item, "finished_at")?,
            revision: item.version,
        })
    }
}
