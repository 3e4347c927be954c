//! Field policies: how each field of a record is stored (`plain`, or sealed: `encrypt`,
//! `tokenize` (sealed and blind-indexed), `mask`, `redact`) and what each role sees of it.
//! Names are checked here so the rest can put them in keys and associated data.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How a field is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldPolicy {
    /// Sealed; shown to every reader.
    Encrypt,
    /// Sealed, plus a blind index so it can be searched by exact value.
    Tokenize,
    /// Sealed; shown masked to members.
    Mask,
    /// Sealed; hidden from members.
    Redact,
    /// Stored as given (the PII engine looks at it on the way in).
    Plain,
}

impl FieldPolicy {
    /// Whether the stored form is a ciphertext.
    pub fn is_sealed(self) -> bool {
        !matches!(self, Self::Plain)
    }

    /// What a member sees unless the dataset says otherwise.
    pub fn default_member_view(self) -> View {
        match self {
            Self::Encrypt | Self::Tokenize | Self::Plain => View::Clear,
            Self::Mask => View::Masked,
            Self::Redact => View::Redacted,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Encrypt => "encrypt",
            Self::Tokenize => "tokenize",
            Self::Mask => "mask",
            Self::Redact => "redact",
            Self::Plain => "plain",
        }
    }
}

/// What a reader sees of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum View {
    Clear,
    /// Strings keep their last characters (at most a quarter, at most 4); other values are
    /// replaced by `"****"`.
    Masked,
    /// Left out of the reply (named in `redacted_fields`).
    Redacted,
}

/// A field's policy as a request gives it: the policy's name, or the policy with its views.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum FieldRequest {
    Policy(FieldPolicy),
    Detailed(DetailedField),
}

/// A policy with the views of each role and, for `plain` fields, whether they are searchable.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DetailedField {
    pub policy: FieldPolicy,
    /// What members see (default: `clear` for encrypt, tokenize and plain, `masked` for
    /// mask, `redacted` for redact).
    pub member: Option<View>,
    /// What owners and admins see (default `clear`).
    pub admin: Option<View>,
    /// `plain` fields only: keep an index so `search` finds them (default false). `tokenize`
    /// fields are always searchable.
    pub searchable: Option<bool>,
}

/// A field's policy as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSpec {
    pub policy: FieldPolicy,
    pub member: View,
    pub admin: View,
    /// Whether the field has index entries.
    pub searchable: bool,
    /// Tokenize fields: how many bits of the HMAC the index keeps (see `blind_index`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_bits: Option<u8>,
}

impl FieldSpec {
    /// The spec a request asks for; `index_bits` comes from the dataset's expected size.
    pub fn from_request(request: &FieldRequest, index_bits: u8) -> Result<Self, &'static str> {
        let (policy, member, admin, searchable) = match request {
            FieldRequest::Policy(policy) => (*policy, None, None, None),
            FieldRequest::Detailed(d) => (d.policy, d.member, d.admin, d.searchable),
        };
        let searchable = match (policy, searchable) {
            (FieldPolicy::Tokenize, Some(false)) => {
                return Err("a tokenize field is always searchable");
            }
            (FieldPolicy::Tokenize, _) => true,
            (FieldPolicy::Plain, wanted) => wanted.unwrap_or(false),
            (_, Some(true)) => {
                return Err("only tokenize and plain fields are searchable");
            }
            (_, _) => false,
        };
        Ok(Self {
            policy,
            member: member.unwrap_or(policy.default_member_view()),
            admin: admin.unwrap_or(View::Clear),
            searchable,
            index_bits: (policy == FieldPolicy::Tokenize).then_some(index_bits),
        })
    }

    /// The view of a reader who may see what admins see, or only what members see.
    pub fn view(&self, admin: bool) -> View {
        if admin { self.admin } else { self.member }
    }
}

/// The fields of a dataset by name.
pub type FieldSpecs = BTreeMap<String, FieldSpec>;

/// Longest field name.
pub const MAX_FIELD_NAME: usize = 64;

/// Field names go into keys and associated data: a letter or `_`, then letters, digits and
/// `_`, at most 64.
pub fn is_valid_field_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= MAX_FIELD_NAME
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_policy_takes_its_default_views() {
        let spec = FieldSpec::from_request(&FieldRequest::Policy(FieldPolicy::Mask), 14).unwrap();
        assert_eq!(
            (spec.member, spec.admin, spec.searchable),
            (View::Masked, View::Clear, false)
        );
        assert_eq!(spec.index_bits, None);
        let token =
            FieldSpec::from_request(&FieldRequest::Policy(FieldPolicy::Tokenize), 14).unwrap();
        assert!(token.searchable);
        assert_eq!(token.index_bits, Some(14));
    }

    #[test]
    fn only_tokenize_and_plain_fields_may_be_searchable() {
        let ask = |policy, searchable| {
            FieldSpec::from_request(
                &FieldRequest::Detailed(DetailedField {
                    policy,
                    member: None,
                    admin: None,
                    searchable: Some(searchable),
                }),
                10,
            )
        };
        assert!(ask(FieldPolicy::Plain, true).unwrap().searchable);
        assert!(ask(FieldPolicy::Encrypt, true).is_err());
        assert!(ask(FieldPolicy::Tokenize, false).is_err());
    }

    #[test]
    fn field_names_are_identifiers_that_fit_in_a_key() {
        for good in ["email", "_x", "a1_b2", &"a".repeat(64)] {
            assert!(is_valid_field_name(good), "{good}");
        }
        for bad in ["", "1a", "a#b", "a b", "é", &"a".repeat(65), "a.b"] {
            assert!(!is_valid_field_name(bad), "{bad}");
        }
    }

    #[test]
    fn requests_read_a_name_or_an_object_and_refuse_unknown_members() {
        let bare: FieldRequest = serde_json::from_str("\"tokenize\"").unwrap();
        assert_eq!(bare, FieldRequest::Policy(FieldPolicy::Tokenize));
        let detailed: FieldRequest =
            serde_json::from_str(r#"{"policy":"encrypt","member":"redacted"}"#).unwrap();
        assert!(matches!(detailed, FieldRequest::Detailed(_)));
        assert!(serde_json::from_str::<FieldRequest>(r#"{"policy":"encrypt","x":1}"#).is_err());
        assert!(serde_json::from_str::<FieldRequest>("\"hash\"").is_err());
    }
}
