#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| coffer_fuzz::pii::pii_detect(data));
