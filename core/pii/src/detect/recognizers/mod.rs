//! One recognizer per family of values. Each gives the candidate pattern(s) for the combined
//! automaton and a `classify` that validates a candidate and scores it (or rejects it).

pub(crate) mod aws;
pub(crate) mod card;
pub(crate) mod date;
pub(crate) mod email;
pub(crate) mod iban;
pub(crate) mod ids;
pub(crate) mod ip;
pub(crate) mod jwt;
pub(crate) mod mac;
pub(crate) mod person;
pub(crate) mod phone;
pub(crate) mod secret;
pub(crate) mod ssn;
pub(crate) mod url;
pub(crate) mod wallet;
