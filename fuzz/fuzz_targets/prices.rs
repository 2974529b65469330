//! The price reader (wide and long CSV) and the return/memory construction on what it accepts.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = satool_finance::ReadOptions::default();
    if let Ok(table) = satool_finance::parse_prices(data, std::path::Path::new("fuzz.csv"), &opts) {
        assert!(table.prices.iter().all(|p| p.is_finite() && *p > 0.0), "bad price accepted");
        let g = satool_finance::log_returns(&table);
        assert!(g.iter().all(|v| v.is_finite()), "non-finite return");
        let x = satool_finance::scaled_memory(&g);
        assert!(x.iter().all(|v| v.is_finite()), "non-finite memory");
    }
});
