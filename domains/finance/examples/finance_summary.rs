//! Reads a price file and prints the table summary and the historical statistics
//! (the numbers the CLI reports for the `historical` method).
//!
//! cargo run --release -p satool-finance --example finance_summary -- FILE [--drop-suspect]

use std::path::PathBuf;
use std::time::Instant;

use rand::SeedableRng;
use satool_finance::{
    evaluate, iid_bootstrap, log_returns, politis_white_panel, read_prices, stationary_bootstrap, KsMethod, ReadOptions,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = PathBuf::from(args.first().ok_or("usage: finance_summary FILE [--drop-suspect]")?);
    let opts = ReadOptions { drop_suspect: args.iter().any(|a| a == "--drop-suspect"), ..ReadOptions::default() };
    let t = Instant::now();
    let table = read_prices(&path, &opts)?;
    let read_secs = t.elapsed().as_secs_f64();
    println!("format: {}, gzip: {}, read in {read_secs:.3} s", table.format, table.gzip);
    println!(
        "kept {} tickers × {} days ({} to {})",
        table.tickers.len(),
        table.dates.len(),
        table.dates[0],
        table.dates[table.dates.len() - 1]
    );
    println!("dropped dates: {}", table.dropped_dates.len());
    for d in &table.dropped {
        println!("dropped {}: {}", d.ticker, d.reason);
    }
    for s in &table.suspect {
        println!("suspect {} {} {:+.4}", s.ticker, s.date, s.log_return);
    }
    let g = log_returns(&table);
    let t = Instant::now();
    let m = evaluate(g.view(), g.view(), KsMethod::Auto)?;
    println!("evaluate(hist, hist) in {:.3} s", t.elapsed().as_secs_f64());
    println!("returns: {} × {}", g.nrows(), g.ncols());
    println!("sd ratio {:.4}, mean excess kurtosis {:.4}", m.sd_ratio, m.kurtosis.unwrap_or(f64::NAN));
    println!("VaR1 {:.5} VaR5 {:.5} ES1 {:.5} ES5 {:.5}", m.var_1, m.var_5, m.es_1, m.es_5);
    println!(
        "ACF(g²) mean lags 1-10 {:.4}; outside 99% band: g {:.4}, g² {:.4}",
        m.acf_g2_mean_1_10.unwrap_or(f64::NAN),
        m.acf_g_outside_band.unwrap_or(f64::NAN),
        m.acf_g2_outside_band.unwrap_or(f64::NAN)
    );
    let sd: Vec<f64> = g.columns().into_iter().map(satool_finance::stats::sd).collect();
    println!("mean per-ticker sd of daily log returns {:.5}", sd.iter().sum::<f64>() / sd.len() as f64);
    let b = politis_white_panel(g.view()).unwrap_or(1.0);
    println!("Politis–White mean block length (mean over tickers) {b:.3}");

    // The two resampling baselines and a variance-compressed set, to show the evaluator's cost.
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(2603);
    let sets = [
        ("bootstrap (900 iid days)", iid_bootstrap(g.view(), 900, &mut rng)),
        ("block_bootstrap (stationary)", stationary_bootstrap(g.view(), g.nrows(), b, &mut rng)),
        ("history × 0.8", g.mapv(|v| 0.8 * v)),
    ];
    for (name, gen) in sets {
        let t = Instant::now();
        let m = evaluate(g.view(), gen.view(), KsMethod::Auto)?;
        println!(
            "{name}: evaluate {:.3} s; KS pass {:.1}% (mean p {:.3}), corrected {:.1}% ({:.3}); corr err {:.3}; sd ratio {:.3}; kurt {:.2}; VaR1 {:.5} ES1 {:.5}; ACF(g²) 1-10 {:.4}",
            t.elapsed().as_secs_f64(),
            100.0 * m.ks_pass,
            m.ks_mean_p,
            100.0 * m.ks_pass_corrected,
            m.ks_mean_p_corrected,
            m.corr_error.unwrap_or(f64::NAN),
            m.sd_ratio,
            m.kurtosis.unwrap_or(f64::NAN),
            m.var_1,
            m.es_1,
            m.acf_g2_mean_1_10.unwrap_or(f64::NAN)
        );
    }
    Ok(())
}
