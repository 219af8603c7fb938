#![no_main]
//! Fuzz target: see `telecluster::fuzz::log_lines`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| telecluster::fuzz::log_lines(data));
