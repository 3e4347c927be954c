//! What a recognizer sees while it classifies a candidate: the text, lazily found context words,
//! and the context a record's field name gives.

use super::context::{KwHit, kind, nearness};
use super::names::Names;
use crate::EntityType;

/// A recognized value: type, byte span and score, before it becomes a public [`crate::Entity`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Hit {
    pub ty: EntityType,
    pub start: usize,
    pub end: usize,
    pub score: f32,
}

impl Hit {
    /// A hit with its score clamped to [0, 1].
    pub(crate) fn new(ty: EntityType, start: usize, end: usize, score: f32) -> Self {
        Self {
            ty,
            start,
            end,
            score: score.clamp(0.0, 1.0),
        }
    }
}

/// One text being scanned.
pub(crate) struct Scan<'a> {
    pub text: &'a str,
    pub bytes: &'a [u8],
    pub names: &'a Names,
    keywords: Vec<KwHit>,
    /// Kinds (see [`kind`]) that the record field holding this text suggests.
    pub field_kinds: u32,
}

/// How far before a candidate a context word still counts, in bytes.
pub(crate) const BEFORE: usize = 48;
/// How far after a candidate a context word still counts, in bytes.
pub(crate) const AFTER: usize = 24;

impl<'a> Scan<'a> {
    /// `keywords` are the context words of the whole text, in order (from the pre-scan).
    pub(crate) fn new(
        text: &'a str,
        names: &'a Names,
        keywords: Vec<KwHit>,
        field_kinds: u32,
    ) -> Self {
        Self {
            text,
            bytes: text.as_bytes(),
            names,
            keywords,
            field_kinds,
        }
    }

    /// Context words of the whole text.
    pub(crate) fn keywords(&self) -> &[KwHit] {
        &self.keywords
    }

    /// How strongly the surroundings say `kinds` for `start..end` (0 to 1). A record field whose
    /// name says so counts as fully.
    pub(crate) fn context(&self, kinds: u32, start: usize, end: usize) -> f32 {
        if self.field_kinds & kinds != 0 {
            return 1.0;
        }
        nearness(self.keywords(), kinds, start, end, BEFORE, AFTER)
    }

    /// Like [`Scan::context`] with explicit windows.
    pub(crate) fn context_within(
        &self,
        kinds: u32,
        start: usize,
        end: usize,
        before: usize,
        after: usize,
    ) -> f32 {
        if self.field_kinds & kinds != 0 {
            return 1.0;
        }
        nearness(self.keywords(), kinds, start, end, before, after)
    }

    /// How strongly a word right before `start` says the value is an order number, a version, a
    /// ticket... rather than PII (0 to 1).
    pub(crate) fn not_pii(&self, start: usize) -> f32 {
        nearness(self.keywords(), kind::NOT_PII, start, start, 16, 0)
    }

    /// The byte before `i`, if any.
    pub(crate) fn byte_before(&self, i: usize) -> Option<u8> {
        i.checked_sub(1).and_then(|j| self.bytes.get(j)).copied()
    }

    /// The byte at `i`, if any.
    pub(crate) fn byte_at(&self, i: usize) -> Option<u8> {
        self.bytes.get(i).copied()
    }

    /// The candidate's text.
    pub(crate) fn slice(&self, start: usize, end: usize) -> &'a str {
        self.text.get(start..end).unwrap_or("")
    }
}
