#![no_main]
//! Fuzz target: see `telecluster::fuzz::csv`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| telecluster::fuzz::csv(data));
