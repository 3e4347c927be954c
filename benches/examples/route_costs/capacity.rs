//! DynamoDB's capacity units for one call, from the sizes of the items it reads and writes
//! (on-demand tables bill the same units as request units).
//!
//! - An item's size is the lengths of its attribute names and values: strings in UTF-8 bytes,
//!   numbers about one byte per two significant digits plus one, booleans and nulls one byte,
//!   maps and lists 3 bytes plus one per element plus their elements.
//! - `GetItem`: 1 read unit per 4 KB, strongly consistent (the backend asks for consistent reads,
//!   `core/src/store/dynamo.rs`); a miss costs the minimum, 1.
//! - `Query`: the bytes of every item read, summed, per 4 KB: 1 unit strongly consistent (the
//!   primary index), 0.5 eventually consistent (`gsi1`, which cannot read consistently). The
//!   backend asks for one item more than the page, to know whether another page follows.
//! - A write: 1 write unit per 1 KB of the larger of the old and the new item; in a
//!   transaction, 2. A `ConditionCheck` in a transaction: 2 read units per 4 KB.
//! - `gsi1` (projection ALL) is written too whenever the item is or was in it: the new item's
//!   size when it enters or stays (1 unit per KB, transactions included), the old one's when it
//!   leaves, both when its index key changes.

use std::ops::AddAssign;

use coffer_core::store::{Index, Item, Page};
use serde_json::Value;

/// Read and write request units.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Units {
    pub read: f64,
    pub write: f64,
}

impl AddAssign for Units {
    fn add_assign(&mut self, other: Self) {
        self.read += other.read;
        self.write += other.write;
    }
}

const READ_BLOCK: usize = 4096;
const WRITE_BLOCK: usize = 1024;

fn blocks(bytes: usize, block: usize) -> f64 {
    // At most a few hundred blocks: exact in an f64.
    bytes.div_ceil(block).max(1) as f64
}

/// A number's size: one byte per two significant digits, plus one.
fn number_size(n: &serde_json::Number) -> usize {
    let digits = n
        .to_string()
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>();
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len();
    significant.max(1).div_ceil(2) + 1
}

fn value_size(value: &Value) -> usize {
    match value {
        Value::Null | Value::Bool(_) => 1,
        Value::Number(n) => number_size(n),
        Value::String(s) => s.len(),
        Value::Array(items) => 3 + items.iter().map(|v| 1 + value_size(v)).sum::<usize>(),
        Value::Object(map) => {
            3 + map
                .iter()
                .map(|(name, v)| 1 + name.len() + value_size(v))
                .sum::<usize>()
        }
    }
}

/// The item's size as DynamoDB counts it (`pk`, `sk`, the index keys, `expires_at`, `ver` and
/// the item's own attributes, as the backend writes them).
pub fn item_size(item: &Item) -> usize {
    let mut size = "pk".len() + item.key.pk.len() + "sk".len() + item.key.sk.len();
    if let Some(gsi) = &item.gsi1 {
        size += "gsi1pk".len() + gsi.pk.len() + "gsi1sk".len() + gsi.sk.len();
    }
    if let Some(at) = item.expires_at {
        size += "expires_at".len() + number_size(&at.into());
    }
    size += "ver".len() + number_size(&item.version.into());
    size + item
        .attrs
        .iter()
        .map(|(name, value)| name.len() + value_size(value))
        .sum::<usize>()
}

/// A strongly consistent `GetItem`.
pub fn get(found: Option<&Item>) -> Units {
    Units {
        read: blocks(found.map_or(0, item_size), READ_BLOCK),
        write: 0.0,
    }
}

/// A `Query` page (and the one item more the backend reads when another page follows).
pub fn query(index: Index, page: &Page) -> Units {
    let sizes: Vec<usize> = page.items.iter().map(item_size).collect();
    let mut bytes: usize = sizes.iter().sum();
    if page.next_cursor.is_some() && !sizes.is_empty() {
        bytes += bytes / sizes.len();
    }
    let per_block = match index {
        Index::Primary => 1.0,
        Index::Gsi1 => 0.5,
    };
    Units {
        read: per_block * blocks(bytes, READ_BLOCK),
        write: 0.0,
    }
}

/// The index writes of replacing `old` by `new` (either may be absent).
fn index_writes(old: Option<&Item>, new: Option<&Item>) -> f64 {
    fn in_index(item: Option<&Item>) -> Option<&Item> {
        item.filter(|i| i.gsi1.is_some())
    }
    match (in_index(old), in_index(new)) {
        (None, None) => 0.0,
        (Some(gone), None) => blocks(item_size(gone), WRITE_BLOCK),
        (None, Some(came)) => blocks(item_size(came), WRITE_BLOCK),
        (Some(old), Some(new)) if old.gsi1 == new.gsi1 => {
            blocks(item_size(old).max(item_size(new)), WRITE_BLOCK)
        }
        (Some(old), Some(new)) => {
            blocks(item_size(old), WRITE_BLOCK) + blocks(item_size(new), WRITE_BLOCK)
        }
    }
}

/// A put (`new`) or a delete (`None`) of the item `old` (absent when there is none): `factor`
/// is 1 for a single write, 2 in a transaction.
pub fn write(old: Option<&Item>, new: Option<&Item>, factor: f64) -> Units {
    let bytes = old.map_or(0, item_size).max(new.map_or(0, item_size));
    Units {
        read: 0.0,
        write: factor * blocks(bytes, WRITE_BLOCK) + index_writes(old, new),
    }
}

/// An `UpdateItem` that adds to a counter (a few bytes more than the item it finds).
pub fn counter_update(old: Option<&Item>, factor: f64) -> Units {
    let bytes = old.map_or(64, |item| item_size(item) + 8);
    Units {
        read: 0.0,
        write: factor * blocks(bytes, WRITE_BLOCK),
    }
}

/// A `ConditionCheck` in a transaction.
pub fn transactional_check(old: Option<&Item>) -> Units {
    Units {
        read: 2.0 * blocks(old.map_or(0, item_size), READ_BLOCK),
        write: 0.0,
    }
}
