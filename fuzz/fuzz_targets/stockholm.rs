//! Stockholm reader, then cleaning and encoding of every record it accepts: errors are fine,
//! panics (and NaN memories) are bugs.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(records) = satool_protein::parse_stockholm(&text, "fuzz.sto") {
        for aln in &records {
            if let Ok(clean) = satool_protein::clean(aln) {
                if let Ok(enc) = satool_protein::encode(&clean, 0.95) {
                    assert!(enc.memory.iter().all(|v| v.is_finite()), "non-finite memory");
                }
            }
        }
    }
});
