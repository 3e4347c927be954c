//! The crate's one error type.

/// What can go wrong in the PII engine. None of the messages carries a sensitive value.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum PiiError {
    /// The text, or the strings of a record taken together, exceed [`crate::MAX_INPUT_BYTES`].
    #[error("input is {len} bytes, more than the {max} allowed")]
    InputTooLarge {
        /// Size of the input in bytes.
        len: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// A record nests deeper than [`crate::MAX_DEPTH`].
    #[error("record nests deeper than {max} levels")]
    TooDeep {
        /// The limit.
        max: usize,
    },
    /// Too many records in one batch.
    #[error("{len} records, more than the {max} allowed in one batch")]
    TooManyRecords {
        /// Records given.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// An entity given to the anonymizer does not fit the text (out of range, or splits a
    /// character).
    #[error("entity {index} has offsets that do not fit its text")]
    InvalidEntity {
        /// Position of the entity in the list given.
        index: usize,
    },
    /// An operator's options make no sense (e.g. a control character as masking char).
    #[error("invalid operator for {target}: {reason}")]
    InvalidOperator {
        /// The entity type or `default`.
        target: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// `hash` or `tokenize` was asked for but no keys were given.
    #[error("operator {0} needs the organization's PII keys")]
    MissingKeys(&'static str),
    /// The JSON Schema does not compile; the message says where and why.
    #[error("invalid JSON Schema: {0}")]
    InvalidSchema(String),
    /// The AEAD refused to encrypt (only on absurd sizes); never carries data.
    #[error("token encryption failed")]
    Crypto,
}

impl PiiError {
    /// The HTTP status a caller should answer with: every variant but [`PiiError::MissingKeys`]
    /// and [`PiiError::Crypto`] is the client's input.
    pub fn status(&self) -> u16 {
        match self {
            Self::InputTooLarge { .. } | Self::TooManyRecords { .. } => 413,
            Self::TooDeep { .. }
            | Self::InvalidEntity { .. }
            | Self::InvalidOperator { .. }
            | Self::InvalidSchema(_) => 422,
            Self::MissingKeys(_) | Self::Crypto => 500,
        }
    }
}
