//! What a dataset does with PII the engine finds in its `plain` string fields.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PiiRule {
    /// Store the record and report what was found (field, type, offsets; never the value).
    #[default]
    Flag,
    /// Mask what was found before storing.
    Mask,
    /// Refuse the record (422 naming the field and the type).
    Refuse,
    /// Do not look.
    Off,
}

impl PiiRule {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Flag => "flag",
            Self::Mask => "mask",
            Self::Refuse => "refuse",
            Self::Off => "off",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Flag, Self::Mask, Self::Refuse, Self::Off]
            .into_iter()
            .find(|rule| rule.as_str() == raw)
    }
}
