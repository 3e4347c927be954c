//! PII service: the engine with per-org keys from the key ring (being written).
