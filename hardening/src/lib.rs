//! Coffer's hardening suites live in this crate's tests (`tests/it/`): injected faults during
//! imports, sign-up bursts, refreshes and rotations; races on both backends; canaries planted
//! through every sensitive route and searched for in every store, folder and log; and the tenancy
//! matrix generated from the OpenAPI document. The README's test command runs them.
