//! Operator configuration, as in API.md: `{TYPE | "default": {type: redact|mask|replace|hash|tokenize, ...}}`.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::ToSchema;

use crate::{EntityType, PiiError};

/// What to do with one kind of value. Unknown fields are refused for every operator, the unit
/// ones too (serde lets an internally tagged unit variant ignore them, so requests are read
/// through [`OperatorWire`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(
    tag = "type",
    rename_all = "snake_case",
    deny_unknown_fields,
    from = "OperatorWire"
)]
pub enum Operator {
    /// Remove the value.
    Redact,
    /// Overwrite each character with `masking_char`, keeping the last `keep_last` characters
    /// (at most half of the value, so a mask never reveals most of it).
    Mask {
        /// The character written over the value.
        #[serde(default = "default_mask_char")]
        masking_char: char,
        /// How many trailing characters stay visible, e.g. 4 for a card.
        #[serde(default)]
        keep_last: usize,
    },
    /// Put a placeholder instead: `new_value` if given, else `<TYPE>`; with `pseudonym`, a
    /// numbered placeholder that is the same for the same value within one request
    /// (`<PERSON_1>`).
    Replace {
        /// The literal replacement.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        new_value: Option<String>,
        /// Number the placeholders per distinct value.
        #[serde(default)]
        pseudonym: bool,
    },
    /// HMAC-SHA256 of the value under the organization's key, in hex: equal values stay
    /// joinable, but nobody without the key can test a guess.
    Hash,
    /// A deterministic, reversible token `<tok:TYPE:v<version>:...>` (AES-SIV under the
    /// organization's key of that version).
    Tokenize,
}

fn default_mask_char() -> char {
    '*'
}

/// How an operator arrives: every variant a struct, so `deny_unknown_fields` holds for all.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum OperatorWire {
    Redact {},
    Mask {
        #[serde(default = "default_mask_char")]
        masking_char: char,
        #[serde(default)]
        keep_last: usize,
    },
    Replace {
        #[serde(default)]
        new_value: Option<String>,
        #[serde(default)]
        pseudonym: bool,
    },
    Hash {},
    Tokenize {},
}

impl From<OperatorWire> for Operator {
    fn from(wire: OperatorWire) -> Self {
        match wire {
            OperatorWire::Redact {} => Self::Redact,
            OperatorWire::Mask {
                masking_char,
                keep_last,
            } => Self::Mask {
                masking_char,
                keep_last,
            },
            OperatorWire::Replace {
                new_value,
                pseudonym,
            } => Self::Replace {
                new_value,
                pseudonym,
            },
            OperatorWire::Hash {} => Self::Hash,
            OperatorWire::Tokenize {} => Self::Tokenize,
        }
    }
}

/// The operator names, as reported in the change list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OperatorKind {
    /// See [`Operator::Redact`].
    Redact,
    /// See [`Operator::Mask`].
    Mask,
    /// See [`Operator::Replace`].
    Replace,
    /// See [`Operator::Hash`].
    Hash,
    /// See [`Operator::Tokenize`].
    Tokenize,
}

impl Operator {
    /// The operator's name.
    pub fn kind(&self) -> OperatorKind {
        match self {
            Self::Redact => OperatorKind::Redact,
            Self::Mask { .. } => OperatorKind::Mask,
            Self::Replace { .. } => OperatorKind::Replace,
            Self::Hash => OperatorKind::Hash,
            Self::Tokenize => OperatorKind::Tokenize,
        }
    }
}

/// A key of the operator map: an entity type, or `default` for every type without its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OperatorTarget {
    /// Types without an operator of their own.
    Default,
    /// One entity type.
    Type(EntityType),
}

impl fmt::Display for OperatorTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Default => f.write_str("default"),
            Self::Type(t) => f.write_str(t.as_str()),
        }
    }
}

impl FromStr for OperatorTarget {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s == "default" {
            return Ok(Self::Default);
        }
        s.parse::<EntityType>()
            .map(Self::Type)
            .map_err(|()| format!("unknown entity type `{s}`"))
    }
}

impl Serialize for OperatorTarget {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for OperatorTarget {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Operators per entity type plus an optional `default`. Types with neither get
/// `replace` (`<TYPE>`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = BTreeMap<String, Operator>, example = json!({"CREDIT_CARD": {"type": "mask", "keep_last": 4}, "default": {"type": "replace"}}))]
pub struct Operators(pub BTreeMap<OperatorTarget, Operator>);

impl Operators {
    /// Same operator for every type.
    pub fn all(op: Operator) -> Self {
        Self(BTreeMap::from([(OperatorTarget::Default, op)]))
    }

    /// Adds (or replaces) the operator for one type.
    pub fn with(mut self, t: EntityType, op: Operator) -> Self {
        self.0.insert(OperatorTarget::Type(t), op);
        self
    }

    /// The operator for `t`.
    pub fn for_type(&self, t: EntityType) -> &Operator {
        const FALLBACK: Operator = Operator::Replace {
            new_value: None,
            pseudonym: false,
        };
        self.0
            .get(&OperatorTarget::Type(t))
            .or_else(|| self.0.get(&OperatorTarget::Default))
            .unwrap_or(&FALLBACK)
    }

    /// Whether any operator is keyed (`hash`, `tokenize`): then the caller must supply
    /// [`crate::PiiKeys`].
    pub fn needs_keys(&self) -> bool {
        self.0
            .values()
            .any(|op| matches!(op, Operator::Hash | Operator::Tokenize))
    }

    /// Refuses options that cannot work, before any value is touched.
    pub fn validate(&self) -> Result<(), PiiError> {
        for (target, op) in &self.0 {
            let bad = |reason| PiiError::InvalidOperator {
                target: target.to_string(),
                reason,
            };
            match op {
                Operator::Mask { masking_char, .. } if masking_char.is_control() => {
                    return Err(bad("masking_char must be a printable character"));
                }
                Operator::Replace {
                    new_value: Some(v), ..
                } if v.len() > 256 => return Err(bad("new_value is longer than 256 bytes")),
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_the_api_shape() {
        let ops: Operators = serde_json::from_value(json!({
            "CREDIT_CARD": {"type": "mask", "masking_char": "#", "keep_last": 4},
            "PERSON": {"type": "replace", "pseudonym": true},
            "EMAIL": {"type": "hash"},
            "default": {"type": "redact"}
        }))
        .unwrap();
        assert_eq!(
            ops.for_type(EntityType::CreditCard),
            &Operator::Mask {
                masking_char: '#',
                keep_last: 4
            }
        );
        assert_eq!(ops.for_type(EntityType::Email), &Operator::Hash);
        assert_eq!(ops.for_type(EntityType::UsSsn), &Operator::Redact);
        assert_eq!(
            Operators::default().for_type(EntityType::UsSsn),
            &Operator::Replace {
                new_value: None,
                pseudonym: false
            }
        );
        let back = serde_json::to_value(&ops).unwrap();
        assert_eq!(back["default"], json!({"type": "redact"}));
    }

    #[test]
    fn refuses_unknown_types_operators_and_fields() {
        assert!(serde_json::from_value::<Operators>(json!({"FOO": {"type": "redact"}})).is_err());
        assert!(serde_json::from_value::<Operators>(json!({"EMAIL": {"type": "shred"}})).is_err());
        assert!(
            serde_json::from_value::<Operators>(json!({"EMAIL": {"type": "mask", "bogus": 1}}))
                .is_err()
        );
    }

    #[test]
    fn refuses_control_masking_char() {
        let ops = Operators::all(Operator::Mask {
            masking_char: '\n',
            keep_last: 0,
        });
        assert!(matches!(
            ops.validate(),
            Err(PiiError::InvalidOperator { .. })
        ));
    }

    #[test]
    fn unknown_fields_are_refused_for_every_operator_the_unit_ones_too() {
        for json in [
            r#"{"type":"redact","keep_last":4}"#,
            r#"{"type":"hash","salt":"x"}"#,
            r#"{"type":"tokenize","key":"mine"}"#,
            r#"{"type":"mask","colour":"red"}"#,
        ] {
            assert!(serde_json::from_str::<Operator>(json).is_err(), "{json}");
        }
        assert_eq!(
            serde_json::from_str::<Operator>(r#"{"type":"redact"}"#).unwrap(),
            Operator::Redact
        );
        assert_eq!(
            serde_json::to_string(&Operator::Hash).unwrap(),
            r#"{"type":"hash"}"#
        );
    }
}
