#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| coffer_fuzz::json_body::json_body(data));
