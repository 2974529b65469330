//! The aligned-FASTA reader used by `--evaluate`, with the expected length taken from the input.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&len, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    if let Ok(records) = satool_protein::parse_aligned_fasta(&text, "fuzz.fasta", len as usize) {
        assert!(records.iter().all(|(_, s)| s.len() == len as usize));
    }
});
