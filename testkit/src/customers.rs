//! The customer dataset the data-vault tests, benches and the route-cost count share.

use serde_json::{Value, json};

/// A customer dataset: ten fields of which three are sensitive (an SSN sealed, an email
/// tokenized and searchable, a card masked to members), a plain searchable `country`; sized for
/// `expected_records` (which sets the blind indexes' bits).
pub fn customer_dataset(expected_records: u64) -> Value {
    json!({
        "fields": {
            "ssn": "encrypt",
            "email": "tokenize",
            "card": "mask",
            "country": {"policy": "plain", "searchable": true},
        },
        "schema": {
            "type": "object",
            "properties": {
                "name": {"type": "string"}, "ssn": {"type": "string"}, "email": {"type": "string"},
                "card": {"type": "string"}, "country": {"type": "string"}, "age": {"type": "integer", "minimum": 0},
                "plan": {"type": "string"}, "city": {"type": "string"}, "zip": {"type": "string"},
                "notes": {"type": "string"}
            },
            "required": ["email"]
        },
        "pii": "flag",
        "expected_records": expected_records
    })
}

/// A customer record (about 250 bytes of JSON) with canary-ish values derived from `n`.
pub fn customer(n: usize) -> Value {
    json!({
        "name": format!("Customer {n}"),
        "ssn": format!("078-05-{:04}", n % 10_000),
        "email": format!("customer{n}@example.com"),
        "card": "4111111111111111",
        "country": if n.is_multiple_of(2) { "FR" } else { "DE" },
        "age": 30 + (n % 50),
        "plan": "pro",
        "city": "Lyon",
        "zip": "69001",
        "notes": "prefers mail"
    })
}
