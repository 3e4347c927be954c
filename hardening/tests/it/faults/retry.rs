//! A client's retries, and the tally of every failure it saw: each must be one API.md or the
//! design docs tell a client to retry; anything else (a 500 above all) fails the test.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;

use coffer_testkit::Reply;

/// Attempts a client makes at one request before it gives up.
pub const ATTEMPTS: usize = 40;

/// Why a failed reply may be retried, if it may.
pub fn retryable(reply: &Reply) -> Option<&'static str> {
    let kind = reply.body["type"].as_str().unwrap_or_default();
    match reply.code() {
        // A dependency failed (API.md: "503 with which failed"; `retry-after` says when).
        503 if kind == "/problems/unavailable" && reply.header("retry-after").is_some() => {
            Some("503 unavailable, retry-after")
        }
        // docs/datasets.md: an idempotency key whose first attempt still holds it answers 409
        // until the attempt ends or its lease runs out.
        409 if reply.body["detail"]
            .as_str()
            .is_some_and(|detail| detail.contains("still in progress")) =>
        {
            Some("409 idempotency key still in progress")
        }
        _ => None,
    }
}

/// What a scenario's client saw, by kind, and what it should never have seen.
#[derive(Debug, Default)]
pub struct Tally {
    inner: Mutex<TallyInner>,
}

#[derive(Debug, Default)]
struct TallyInner {
    seen: BTreeMap<String, usize>,
    unexpected: Vec<String>,
}

impl Tally {
    /// Counts one occurrence of `what`.
    pub fn count(&self, what: impl Into<String>) {
        *self
            .inner
            .lock()
            .unwrap()
            .seen
            .entry(what.into())
            .or_default() += 1;
    }

    /// Notes an answer the API should not give here.
    pub fn unexpected(&self, what: impl Into<String>) {
        self.inner.lock().unwrap().unexpected.push(what.into());
    }

    pub fn summary(&self) -> String {
        format!("{:?}", self.inner.lock().unwrap().seen)
    }

    /// Fails the test on anything unexpected (the first few, and how many).
    #[track_caller]
    pub fn assert_clean(&self) {
        let inner = self.inner.lock().unwrap();
        assert!(
            inner.unexpected.is_empty(),
            "{} unexpected answers, e.g. {:#?}",
            inner.unexpected.len(),
            &inner.unexpected[..inner.unexpected.len().min(5)]
        );
    }
}

/// Sends what `send` makes until the answer is not a retryable failure, at most [`ATTEMPTS`]
/// times; the answer and whether a retryable failure came before it (so an earlier attempt may
/// have gone through). A retryable failure on the last attempt is returned as it is.
pub async fn until_answered<F, Fut>(tally: &Tally, what: &str, mut send: F) -> (Reply, bool)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Reply>,
{
    let mut failed_before = false;
    for attempt in 1..=ATTEMPTS {
        let reply = send().await;
        match retryable(&reply) {
            Some(why) if attempt < ATTEMPTS => {
                tally.count(format!("{what}: {why}"));
                failed_before = true;
            }
            Some(_) => {
                tally.count(format!("{what}: gave up after {ATTEMPTS} attempts"));
                return (reply, failed_before);
            }
            None => {
                if reply.code() >= 500 {
                    tally.unexpected(format!("{what}: {} {}", reply.code(), reply.body));
                }
                return (reply, failed_before);
            }
        }
    }
    unreachable!("the last attempt returns")
}
