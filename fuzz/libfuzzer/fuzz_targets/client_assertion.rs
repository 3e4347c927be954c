#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| coffer_fuzz::client_assertion::client_assertion(data));
