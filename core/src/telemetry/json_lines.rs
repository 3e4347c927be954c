//! One JSON object per log line, with the fields of every span the event is in flattened to the
//! top level beside the event's own: so each line of a request carries its request id, route
//! and X-Ray trace id as plain members that CloudWatch Logs Insights filters on, however deep
//! the span it was logged in.

use std::fmt;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// The event format; use it with `JsonFields`, whose span fields it reads back.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonLines;

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let mut line = Map::new();
        line.insert("level".into(), Value::from(meta.level().as_str()));
        line.insert("target".into(), Value::from(meta.target()));
        // Outermost first, so that an inner span's field of the same name wins.
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                let extensions = span.extensions();
                let Some(fields) = extensions.get::<FormattedFields<N>>() else {
                    continue;
                };
                if let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(fields) {
                    line.extend(fields);
                }
            }
        }
        event.record(&mut Fields(&mut line));
        let line = serde_json::to_string(&Value::Object(line)).map_err(|_| fmt::Error)?;
        writeln!(writer, "{line}")
    }
}

/// An event's fields as JSON members.
struct Fields<'a>(&'a mut Map<String, Value>);

impl Visit for Fields<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0
            .insert(field.name().into(), Value::from(value.to_string()));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().into(), Value::from(format!("{value:?}")));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::LogCapture;

    #[test]
    fn a_line_carries_the_fields_of_every_span_it_is_in_and_its_own() {
        let logs = LogCapture::default();
        let _guard = logs.capture();

        let outer = tracing::info_span!("request", request_id = "req_7", route = "/v1/things/{id}");
        let inner = outer.in_scope(|| tracing::info_span!("work", step = 2_u64));
        inner.in_scope(|| tracing::warn!(count = 3, ok = true, "deep inside"));

        let lines = logs.lines();
        let line = lines
            .iter()
            .find(|l| l["message"] == "deep inside")
            .expect("the event was logged");
        assert_eq!(line["level"], "WARN");
        assert_eq!(line["request_id"], "req_7");
        assert_eq!(line["route"], "/v1/things/{id}");
        assert_eq!(line["step"], 2);
        assert_eq!(line["count"], 3);
        assert_eq!(line["ok"], true);
    }
}
