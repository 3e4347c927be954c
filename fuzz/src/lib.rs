//! Fuzz targets over Coffer's parsers and decoders: each a `fn(&[u8])` that must not panic, hang
//! or allocate without bound on any input, and that checks the round trips it has (decode of an
//! encode is the identity, a decoded value re-encodes alike, a tampered sealed value never
//! opens). Run two ways:
//!
//! - `cargo test -p coffer-fuzz` (stable, in the test command): `tests/targets.rs` runs every
//!   target over its seeds, [`mutate`]d seeds and random bytes, a fixed number of times
//!   (`COFFER_FUZZ_EXECUTIONS`).
//! - `cargo +nightly fuzz run <target>` in `fuzz/libfuzzer/` (libFuzzer, coverage-guided): the
//!   long runs; see `fuzz/README.md`.
//!
//! Inputs of the targets over signed or sealed values may start with `0xFF`: the rest picks one
//! of the process's valid values and edits it ([`tamper`]), so the fuzzer explores changes to real
//! tokens and envelopes whatever keys this process made.

pub mod client_assertion;
pub mod cursor;
pub mod envelope;
pub mod fixture;
pub mod idempotency;
pub mod json_body;
pub mod mutate;
pub mod pii;
pub mod tokens;

/// A fuzz target: its name (the libFuzzer binary's), the function, and valid inputs to start from.
#[derive(Clone, Copy)]
pub struct Target {
    pub name: &'static str,
    pub run: fn(&[u8]),
    pub seeds: fn() -> Vec<Vec<u8>>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Every target, in the order the long runs take them.
pub const TARGETS: [Target; 10] = [
    Target {
        name: "jws",
        run: tokens::jws,
        seeds: tokens::jws_seeds,
    },
    Target {
        name: "access_token",
        run: tokens::access_token,
        seeds: tokens::access_token_seeds,
    },
    Target {
        name: "client_assertion",
        run: client_assertion::client_assertion,
        seeds: client_assertion::seeds,
    },
    Target {
        name: "envelope",
        run: envelope::envelope,
        seeds: envelope::envelope_seeds,
    },
    Target {
        name: "ciphertext",
        run: envelope::ciphertext,
        seeds: envelope::ciphertext_seeds,
    },
    Target {
        name: "pii_detect",
        run: pii::pii_detect,
        seeds: pii::detect_seeds,
    },
    Target {
        name: "pii_anonymize",
        run: pii::pii_anonymize,
        seeds: pii::anonymize_seeds,
    },
    Target {
        name: "json_body",
        run: json_body::json_body,
        seeds: json_body::seeds,
    },
    Target {
        name: "cursor",
        run: cursor::cursor,
        seeds: cursor::seeds,
    },
    Target {
        name: "idempotency_key",
        run: idempotency::idempotency_key,
        seeds: idempotency::seeds,
    },
];

/// The target named `name`.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().copied().find(|t| t.name == name)
}

/// The input as text, if it is UTF-8 (the HTTP layer refuses other header and JSON strings).
pub fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// `original` edited by `edits`, read three bytes at a time: a position (two bytes, modulo the
/// length) and an operation — 0 deletes the byte there, 1-127 XORs it in, 128-255 inserts the
/// ASCII byte `op - 128` before it.
pub fn tamper(original: &[u8], edits: &[u8]) -> Vec<u8> {
    let mut out = original.to_vec();
    for edit in edits.chunks_exact(3) {
        let at = usize::from(u16::from_be_bytes([edit[0], edit[1]])) % (out.len() + 1);
        match edit[2] {
            0 if at < out.len() => {
                out.remove(at);
            }
            op @ 1..=127 if at < out.len() => out[at] ^= op,
            op @ 128.. => out.insert(at, op - 128),
            _ => {}
        }
    }
    out
}
