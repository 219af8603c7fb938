#![no_main]
//! Fuzz target: see `telecluster::fuzz::model`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| telecluster::fuzz::model(data));
