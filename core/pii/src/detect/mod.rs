//! Detection: one pre-scan of the text (candidate starts and context words), the combined
//! multi-pattern matcher anchored at those starts, validators per family, then overlap
//! resolution. Records are walked field by field, with each key as context.

mod context;
mod engine;
mod names;
pub(crate) mod recognizers;
pub(crate) mod record;
mod resolve;
pub(crate) mod scan;
mod stream;

pub use stream::{DEFAULT_WINDOW, DetectStream, MIN_WINDOW, StreamError};

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{Entity, EntityType, MAX_INPUT_BYTES, PiiError};
use context::ContextMatcher;
use engine::Engine;
use names::Names;
use scan::{Hit, Scan};

/// What to report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DetectOptions {
    /// Lowest score reported, in [0, 1]. The default 0.5 favours precision; lower it to see
    /// weaker candidates such as a date without birth context.
    pub min_score: f32,
    /// Only these types (all when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub types: Option<Vec<EntityType>>,
}

impl Default for DetectOptions {
    fn default() -> Self {
        Self {
            min_score: 0.5,
            types: None,
        }
    }
}

impl DetectOptions {
    fn wants(&self, t: EntityType) -> bool {
        self.types.as_ref().is_none_or(|ts| ts.contains(&t))
    }
}

/// The compiled detector: patterns, context words and name lists. Build it once (it takes a few
/// milliseconds) and share it; [`Detector::shared`] does that for you.
pub struct Detector {
    engine: Engine,
    context: ContextMatcher,
    names: Names,
}

static SHARED: LazyLock<Detector> = LazyLock::new(Detector::new);

impl std::fmt::Debug for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detector").finish_non_exhaustive()
    }
}

impl Default for Detector {
    fn default() -> Self {
        Self::new()
    }
}

impl Detector {
    /// Compiles the patterns and loads the embedded name lists.
    ///
    /// The patterns and lists are constants of this crate, checked by its tests; building them
    /// cannot fail on any input, so a failure here is a bug in this crate.
    #[expect(
        clippy::expect_used,
        reason = "constant patterns, covered by tests; no input involved"
    )]
    pub fn new() -> Self {
        Self {
            engine: Engine::new().expect("PII patterns compile"),
            context: ContextMatcher::new(),
            names: Names::new(),
        }
    }

    /// The process-wide detector, built on first use.
    pub fn shared() -> &'static Detector {
        &SHARED
    }

    /// Finds the sensitive values in `text`. Offsets are UTF-8 byte offsets; overlapping
    /// candidates resolve to the longest, then the highest-scoring.
    pub fn detect_text(&self, text: &str, opts: &DetectOptions) -> Result<Vec<Entity>, PiiError> {
        if text.len() > MAX_INPUT_BYTES {
            return Err(PiiError::InputTooLarge {
                len: text.len(),
                max: MAX_INPUT_BYTES,
            });
        }
        let hits = self.hits(text, 0, opts);
        Ok(hits
            .into_iter()
            .filter(|h| opts.wants(h.ty))
            .map(|h| to_entity(h, None))
            .collect())
    }

    /// Finds the sensitive values in every string (and integer) of a JSON record. Each entity
    /// names its field (`customer.emails[1]`) and has offsets into that field's string; a field's
    /// key is context (`{"ssn": "123456789"}` is an SSN).
    pub fn detect_record(
        &self,
        record: &serde_json::Value,
        opts: &DetectOptions,
    ) -> Result<Vec<Entity>, PiiError> {
        let mut out = Vec::new();
        record::walk(record, &mut |leaf| {
            let kinds = leaf.key.map_or(0, |k| self.context.key_kinds(k));
            let mut hits = self.hits(leaf.text, kinds, opts);
            if let Some(h) = record::whole_value_hit(&self.names, leaf.text, kinds) {
                hits.push(h);
                hits = resolve::resolve(hits);
            }
            out.extend(
                hits.into_iter()
                    .filter(|h| opts.wants(h.ty))
                    .map(|h| to_entity(h, Some(leaf.path.to_owned()))),
            );
        })?;
        Ok(out)
    }

    /// Hits of one string, resolved, at least `opts.min_score`.
    pub(crate) fn hits(&self, text: &str, field_kinds: u32, opts: &DetectOptions) -> Vec<Hit> {
        let engine::Prescan {
            starts,
            keywords,
            capitals,
        } = engine::prescan(text.as_bytes(), &self.context);
        let scan = Scan::new(text, &self.names, keywords, field_kinds);
        let min = opts.min_score.clamp(0.0, 1.0);
        let mut found = self.engine.scan(&scan, &starts, min);
        let others = found.len();
        recognizers::person::find(&scan, &capitals, min, &mut found);
        if others > 0 && found.len() > others {
            // both lists are in order of start: one small sort merges them
            found.sort_unstable_by_key(|h| h.start);
        }
        resolve::resolve(found)
    }
}

fn to_entity(h: Hit, field: Option<String>) -> Entity {
    Entity {
        entity_type: h.ty,
        start: h.start,
        end: h.end,
        // Two decimals: the scores are heuristics, more digits would claim false precision.
        score: (h.score * 100.0).round() / 100.0,
        field,
    }
}

#[cfg(test)]
mod heldout_driver_license_tests;
#[cfg(test)]
mod heldout_person_tests;
#[cfg(test)]
mod heldout_support;
#[cfg(test)]
mod heldout_tests;
