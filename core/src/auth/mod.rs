//! Identity: users, credentials, sessions, rate limits and the outbox (being written).
