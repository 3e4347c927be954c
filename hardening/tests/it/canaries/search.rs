//! The search: each canary, in each of its forms, against every log line, every reply, every
//! item, file and object; a hit is fine only in a place the canary's allow-list names.

use super::driver::Exchange;
use super::matcher::Matcher;
use super::stores::{Stored, StoredItem};
use super::values::{Canaries, Canary, Place};

/// What one run left behind.
pub struct Evidence {
    pub logs: String,
    pub exchanges: Vec<Exchange>,
    pub items: Vec<StoredItem>,
    /// Files of the embedded data folder (relative paths), or nothing on AWS.
    pub files: Vec<Stored>,
    /// Objects of the bucket, or nothing on the embedded backend.
    pub objects: Vec<Stored>,
}

/// What the search saw.
#[derive(Default)]
pub struct Findings {
    /// Hits outside the allowed places, as readable lines.
    pub leaks: Vec<String>,
    /// (canary field, where) of every hit in a store, allowed or not: the proof that the
    /// search finds what must be there.
    pub stored: Vec<(String, String)>,
}

pub fn search(canaries: &Canaries, evidence: &Evidence) -> Findings {
    let matcher = Matcher::new(canaries);
    let mut findings = Findings::default();
    let mut leak = |canary: &Canary, form: &str, place: String| {
        findings.leaks.push(format!(
            "{} ({}) as {form:?} in {place}",
            canary.field, canary.value
        ));
    };

    for line in evidence.logs.lines() {
        for (index, form) in matcher.find(line) {
            leak(&canaries.all[index], &form, format!("a log line: {line}"));
        }
    }
    for exchange in &evidence.exchanges {
        for (index, form) in matcher.find(&exchange.headers) {
            let canary = &canaries.all[index];
            if !canary.allowed.contains(&Place::Header) {
                let place = format!("the headers of {} {}", exchange.route, exchange.status);
                leak(canary, &form, place);
            }
        }
        for (index, form) in matcher.find(&exchange.body) {
            let canary = &canaries.all[index];
            if exchange.status >= 400 || !canary.echoed {
                let place = format!(
                    "the reply {} {}: {}",
                    exchange.route, exchange.status, exchange.body
                );
                leak(canary, &form, place);
            }
        }
    }
    for item in &evidence.items {
        for (index, form) in matcher.find(&item.text) {
            let canary = &canaries.all[index];
            let place = format!("item {} / {}", item.key.pk, item.key.sk);
            findings.stored.push((canary.field.clone(), place.clone()));
            if !canary.allowed.contains(&Place::Item(item.key.clone())) {
                leak(canary, &form, place);
            }
        }
    }
    for stored in evidence.files.iter().chain(&evidence.objects) {
        for (index, form) in matcher.find(&stored.text) {
            let canary = &canaries.all[index];
            findings
                .stored
                .push((canary.field.clone(), stored.name.clone()));
            if !may_hold(canary, &stored.name) {
                leak(canary, &form, stored.name.clone());
            }
        }
    }
    findings
}

/// Whether a file or object named `name` may hold `canary`: the mail folder, a blob of an
/// allowed record, or the SQLite file (with its WAL) when an item may hold it (the item search
/// says which item does).
fn may_hold(canary: &Canary, name: &str) -> bool {
    if name.starts_with("mail") {
        return canary.allowed.contains(&Place::Mail);
    }
    if name.starts_with("table.sqlite3") {
        return canary
            .allowed
            .iter()
            .any(|place| matches!(place, Place::Item(_)));
    }
    canary
        .allowed
        .iter()
        .any(|place| matches!(place, Place::BlobOf(record) if name.contains(record.as_str())))
}

#[cfg(test)]
mod tests {
    use coffer_core::auth::UserId;
    use coffer_core::store::schema;
    use coffer_core::{Clock, SystemClock};

    use super::*;

    fn stored(name: &str, text: &str) -> Stored {
        Stored {
            name: name.to_owned(),
            text: text.to_owned(),
        }
    }

    /// The search reports every kind of leak, and only those: a canary is planted in each
    /// place once where it is allowed and once where it is not.
    #[test]
    fn the_search_reports_a_canary_wherever_its_allow_list_does_not_name_the_place() {
        let mut canaries = Canaries::new();
        let secret = canaries.text("secret");
        let email = canaries.email("email");
        let user = UserId::generate(SystemClock.now()).unwrap();
        let profile = schema::user_profile(&user);
        let audit = schema::audit_link("o", 1, 1);
        let audit_place = format!("item {}", audit.pk);
        canaries.allow("email", Place::Item(profile.clone()));
        canaries.allow("email", Place::Mail);
        let password = canaries.text("password");
        canaries.never_echoed("password");
        let exchange = |status, headers: &str, body: &str| Exchange {
            route: "POST /v1/x".into(),
            status,
            headers: headers.into(),
            body: body.into(),
        };
        let evidence = Evidence {
            logs: format!(
                "{{\"message\":\"ok\"}}\n{{\"value\":\"{}\"}}\n",
                email.to_uppercase()
            ),
            exchanges: vec![
                exchange(
                    200,
                    "",
                    &format!("{{\"email\":\"{email}\",\"data\":\"{secret}\"}}"),
                ),
                exchange(422, "", &format!("{{\"detail\":\"{secret} is bad\"}}")),
                exchange(
                    200,
                    &format!("x-echo: {secret}"),
                    &format!("{{\"p\":\"{password}\"}}"),
                ),
            ],
            items: vec![
                StoredItem {
                    key: profile,
                    text: format!("{{\"email\":\"{email}\"}}"),
                },
                StoredItem {
                    key: audit,
                    text: format!(
                        "{{\"detail\":\"{}\"}}",
                        super::super::values::hex(secret.as_bytes())
                    ),
                },
            ],
            files: vec![
                stored("mail/m.eml", &format!("To: {email}")),
                stored("table.sqlite3-wal", &format!("..{email}..")),
                stored("keys/master", &email),
            ],
            objects: vec![stored("datasets/d/r/u", &secret)],
        };
        let findings = search(&canaries, &evidence);
        let mut leaks: Vec<(&str, &str)> = findings
            .leaks
            .iter()
            .map(|leak| {
                let field = leak.split(' ').next().unwrap();
                let place = leak.split(" in ").nth(1).unwrap();
                (field, place.split([':', '/']).next().unwrap().trim())
            })
            .collect();
        leaks.sort_unstable();
        assert_eq!(
            leaks,
            [
                ("email", "a log line"),
                ("email", "keys"),
                ("password", "the reply POST"),
                ("secret", "datasets"),
                ("secret", audit_place.as_str()),
                ("secret", "the headers of POST"),
                ("secret", "the reply POST"),
            ],
            "{:#?}",
            findings.leaks
        );
    }
}
