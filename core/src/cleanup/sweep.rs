//! The table sweep: removes items past their expiry that DynamoDB's TTL has not removed yet
//! (sessions, tokens, rate counters, idempotency claims, spent assertions, leases...: every
//! item written with an expiry). It remembers where it stopped in the cleanup state, so a large
//! table is swept over several runs. Each delete is conditional on the item still being
//! expired, so two sweeps at once remove (and count) each item once.

use std::time::Instant;

use crate::backends::Ports;
use crate::store::{Condition, Cursor, Item, StoreError, schema};

/// Items removed per store call.
const BATCH: usize = 100;

/// What one sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Swept {
    pub removed: usize,
    pub out_of_time: bool,
    /// It stopped midway; the next run goes on from there.
    pub resumes: bool,
}

/// Sweeps until the pass is complete or `end` comes.
pub(super) async fn sweep_expired(ports: &Ports, end: Instant) -> Result<Swept, StoreError> {
    let mut swept = Swept::default();
    let mut from = position(ports).await?;
    let resumed = from.is_some();
    loop {
        if Instant::now() >= end {
            swept.out_of_time = true;
            break;
        }
        let sweep = ports.table.sweep_expired(BATCH, from.as_ref()).await?;
        swept.removed += sweep.removed;
        from = sweep.resume;
        if from.is_none() {
            break;
        }
    }
    if from.is_some() || resumed {
        save_position(ports, from.as_ref()).await?;
    }
    swept.resumes = from.is_some();
    Ok(swept)
}

/// Where the last run's sweep stopped, if it did not finish.
async fn position(ports: &Ports) -> Result<Option<Cursor>, StoreError> {
    let Some(item) = ports.table.get(&schema::cleanup_state()).await? else {
        return Ok(None);
    };
    // An unreadable position only costs a pass from the start.
    Ok(item
        .attrs
        .get("resume")
        .and_then(|v| v.as_str())
        .and_then(|raw| Cursor::decode(raw).ok()))
}

async fn save_position(ports: &Ports, at: Option<&Cursor>) -> Result<(), StoreError> {
    let item = Item::new(schema::cleanup_state()).with_attr("resume", at.map(Cursor::encode));
    ports.table.put(item, Condition::None).await
}
