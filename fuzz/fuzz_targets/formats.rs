#![no_main]
//! Fuzz target: see `telecluster::fuzz::formats`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| telecluster::fuzz::formats(data));
