#![no_main]
//! Fuzz target: see `telecluster::fuzz::prometheus`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| telecluster::fuzz::prometheus(data));
