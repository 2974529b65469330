//! GARCH tests: the likelihood and the fitted parameters against `arch`
//! (tests/reference/garch_reference.py → garch_reference.json), and the simulation by hand.

use super::*;
use crate::{log_returns, read_prices, ReadOptions};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

const REFERENCE: &str = include_str!("../../../tests/reference/garch_reference.json");

/// The reference window: fixtures/sp500.csv from 2018-01-01, as the script reads it.
fn sp500_2018() -> (Vec<String>, Array2<f64>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/sp500.csv");
    let opts = ReadOptions { start: chrono::NaiveDate::from_ymd_opt(2018, 1, 1), ..ReadOptions::default() };
    let table = read_prices(std::path::Path::new(path), &opts).unwrap();
    (table.tickers.clone(), log_returns(&table))
}

fn reference() -> serde_json::Value {
    serde_json::from_str(REFERENCE).unwrap()
}

fn params_of(v: &serde_json::Value) -> GarchParams {
    let f = |k: &str| v[k].as_f64().unwrap();
    GarchParams { mu: f("mu"), omega: f("omega"), alpha: f("alpha"), beta: f("beta") }
}

fn column(g: &Array2<f64>, tickers: &[String], name: &str) -> Vec<f64> {
    g.column(tickers.iter().position(|t| t == name).unwrap()).to_vec()
}

#[test]
fn likelihood_and_forecast_equal_arch_at_arch_parameters() {
    let (tickers, g) = sp500_2018();
    let refs = reference();
    assert_eq!(refs["days"].as_u64().unwrap() as usize, g.nrows());
    for f in refs["fits"].as_array().unwrap() {
        let x: Vec<f64> = column(&g, &tickers, f["ticker"].as_str().unwrap()).iter().map(|v| v * 100.0).collect();
        let mean = x.iter().sum::<f64>() / x.len() as f64;
        let bc = backcast(&x.iter().map(|v| v - mean).collect::<Vec<_>>());
        let p = params_of(f);
        let ll = loglikelihood(&x, p, bc);
        let want = f["loglikelihood"].as_f64().unwrap();
        assert!((ll - want).abs() < 1e-9 * want.abs(), "{}: {ll} vs {want}", f["ticker"]);
        let mut s2 = Vec::new();
        let next = variances(&x, p, bc, &mut s2);
        let (last, want_last) = (*s2.last().unwrap(), f["last_sigma2"].as_f64().unwrap());
        assert!((last - want_last).abs() < 1e-9 * want_last, "{}: {last} vs {want_last}", f["ticker"]);
        let want_next = f["next_sigma2"].as_f64().unwrap();
        assert!((next - want_next).abs() < 1e-9 * want_next, "{}: {next} vs {want_next}", f["ticker"]);
    }
}

#[test]
fn fitted_parameters_equal_arch_to_1e_3_relative() {
    let (tickers, g) = sp500_2018();
    let panel = GarchPanel::fit(g.view()).unwrap();
    for f in reference()["fits"].as_array().unwrap() {
        let name = f["ticker"].as_str().unwrap();
        let j = tickers.iter().position(|t| t == name).unwrap();
        let got = panel.fits[j].params.rescaled(FIT_SCALE);
        let want = params_of(f);
        let tight = params_of(&f["tight"]);
        // Against arch solved to 1e-12, closer still (μ, near 0 for some tickers, in absolute
        // percent units).
        assert!((got.mu - tight.mu).abs() < 1e-5, "{name} mu: satool {}, arch (tight) {}", got.mu, tight.mu);
        for (what, a, b) in
            [("omega", got.omega, tight.omega), ("alpha", got.alpha, tight.alpha), ("beta", got.beta, tight.beta)]
        {
            assert!((a - b).abs() <= 1e-4 * b.abs(), "{name} {what}: satool {a}, arch (tight) {b}");
        }
        for (what, a, b) in [
            ("mu", got.mu, want.mu),
            ("omega", got.omega, want.omega),
            ("alpha", got.alpha, want.alpha),
            ("beta", got.beta, want.beta),
        ] {
            assert!((a - b).abs() <= 1e-3 * b.abs(), "{name} {what}: satool {a}, arch {b}");
        }
        // Our optimum is at least as good as arch's (its default tolerance stops a little early).
        let ll = panel.fits[j].loglikelihood_percent;
        assert!(ll >= f["loglikelihood"].as_f64().unwrap() - 1e-6, "{name}: {ll}");
    }
}

#[test]
fn gradient_equals_central_differences_and_vanishes_after_the_fit() {
    let (tickers, g) = sp500_2018();
    let x: Vec<f64> = column(&g, &tickers, "JPM").iter().map(|v| v * FIT_SCALE).collect();
    let mean = x.iter().sum::<f64>() / x.len() as f64;
    let bc = backcast(&x.iter().map(|v| v - mean).collect::<Vec<_>>());
    let p = GarchParams { mu: 0.07, omega: 0.3, alpha: 0.1, beta: 0.7 };
    let (ll, grad) = loglikelihood_gradient(&x, p, bc);
    assert_eq!(ll, loglikelihood(&x, p, bc));
    for (i, &got) in grad.iter().enumerate() {
        let h = 1e-6;
        let at = |s: f64| {
            let mut v = [p.mu, p.omega, p.alpha, p.beta];
            v[i] += s;
            loglikelihood(&x, GarchParams { mu: v[0], omega: v[1], alpha: v[2], beta: v[3] }, bc)
        };
        let want = (at(h) - at(-h)) / (2.0 * h);
        assert!((got - want).abs() < 1e-5 * want.abs().max(1.0), "d/dθ{i}: {got} vs {want}");
    }
    // At the fitted optimum the gradient is zero to rounding (Nelder–Mead alone left ~1e-4).
    let fitted = fit(&column(&g, &tickers, "JPM"), 0).unwrap().params.rescaled(FIT_SCALE);
    let grad = loglikelihood_gradient(&x, fitted, bc).1;
    assert!(grad.iter().all(|v| v.abs() < 1e-8), "{grad:?}");
}

#[test]
fn recovers_the_parameters_of_a_simulated_garch() {
    let truth = GarchParams { mu: 0.0005, omega: 2e-6, alpha: 0.08, beta: 0.9 };
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
    let mut var = truth.omega / (1.0 - truth.alpha - truth.beta);
    let r: Vec<f64> = (0..20000)
        .map(|_| {
            let z: f64 = StandardNormal.sample(&mut rng);
            let e = var.sqrt() * z;
            var = truth.omega + truth.alpha * e * e + truth.beta * var;
            truth.mu + e
        })
        .collect();
    let p = fit(&r, 0).unwrap().params;
    assert!((p.alpha - 0.08).abs() < 0.015 && (p.beta - 0.9).abs() < 0.02, "{p:?}");
    assert!((p.omega / truth.omega - 1.0).abs() < 0.35 && (p.mu - truth.mu).abs() < 3e-4, "{p:?}");
}

#[test]
fn simulation_follows_the_recursion_with_one_residual_day_for_all_tickers() {
    let fit_of = |mu, omega, alpha, beta, z: Vec<f64>, next| GarchFit {
        params: GarchParams { mu, omega, alpha, beta },
        loglikelihood_percent: 0.0,
        std_resid: z,
        next_variance: next,
        backcast_percent: 0.0,
    };
    let z0 = vec![1.0, -2.0, 0.5];
    let z1 = vec![2.0, -4.0, 1.0]; // ticker 2's residuals are ticker 1's doubled, day by day
    let fits = vec![fit_of(0.001, 1e-6, 0.1, 0.8, z0.clone(), 4e-4), fit_of(0.0, 2e-6, 0.05, 0.9, z1.clone(), 1e-4)];
    let std_resid = Array2::from_shape_fn((3, 2), |(t, j)| if j == 0 { z0[t] } else { z1[t] });
    let panel = GarchPanel { fits, std_resid };
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
    let sim = panel.simulate(4, 5, &mut rng);
    assert_eq!(sim.dim(), (4, 5, 2));
    for path in 0..4 {
        let (mut v0, mut v1) = (4e-4, 1e-4);
        for day in 0..5 {
            let e0 = sim[[path, day, 0]] - 0.001;
            let e1 = sim[[path, day, 1]];
            // Both tickers used the same historical day: z1 = 2 z0.
            let (u0, u1) = (e0 / f64::sqrt(v0), e1 / f64::sqrt(v1));
            assert!((u1 - 2.0 * u0).abs() < 1e-9, "path {path} day {day}");
            assert!(z0.iter().any(|z| (z - u0).abs() < 1e-9));
            v0 = 1e-6 + 0.1 * e0 * e0 + 0.8 * v0;
            v1 = 2e-6 + 0.05 * e1 * e1 + 0.9 * v1;
        }
    }
}

#[test]
fn bad_series_are_named_errors() {
    assert!(matches!(fit(&[0.01; 19], 3), Err(GarchError::TooShort { ticker: 3, days: 19 })));
    assert!(matches!(fit(&[0.01; 40], 1), Err(GarchError::Constant { ticker: 1 })));
    let mut r: Vec<f64> = (0..40).map(|i| (i as f64).sin() * 0.01).collect();
    r[5] = f64::NAN;
    assert!(matches!(fit(&r, 0), Err(GarchError::NonFinite { ticker: 0, day: 5, .. })));
}

/// One refit window (fixtures/sp500.csv 2018-01-01 .. 2020-04-30, fitted on the days before
/// 2020): the daily forecasts after the fit against `arch`'s `forecast(start=…)`
/// (tests/reference/garch_forecast_reference.py).
#[test]
fn rolling_forecast_equals_arch_forecast_start() {
    let refs: serde_json::Value =
        serde_json::from_str(include_str!("../../../tests/reference/garch_forecast_reference.json")).unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/sp500.csv");
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    let opts = ReadOptions { start: day("2018-01-01"), end: day("2020-04-30"), ..ReadOptions::default() };
    let table = read_prices(std::path::Path::new(path), &opts).unwrap();
    let g = log_returns(&table);
    let n_fit = refs["fit_days"].as_u64().unwrap() as usize;
    let dates: Vec<String> = table.dates[n_fit + 1..].iter().map(|d| d.to_string()).collect();
    assert_eq!(serde_json::to_value(&dates).unwrap(), refs["dates"]);
    for f in refs["fits"].as_array().unwrap() {
        let r = column(&g, &table.tickers, f["ticker"].as_str().unwrap());
        let fitted = fit(&r[..n_fit], 0).unwrap();
        let got = fitted.one_day_variances(&r);
        assert_eq!(got.len(), r.len() + 1);
        // With satool's own fit (Nelder–Mead, then Newton): within 1e-6 (relative, every day) of
        // arch's forecasts at the optimum (its parameters found independently, by Newton on a
        // complex-step gradient), and within 2e-6 of arch's own fit solved to 1e-12, whose SLSQP
        // stops up to 1e-7 from the optimum where the likelihood is flat to 1e-12 (KO, α ≈ 0.0014).
        for (fit, tol) in [("exact", 1e-6), ("tight", 2e-6)] {
            for (t, want) in f[fit]["variance"].as_array().unwrap().iter().enumerate() {
                let (a, b) = (got[n_fit + t] * 1e4, want.as_f64().unwrap());
                assert!((a - b).abs() < tol * b, "{} {fit} {}: satool {a}, arch {b}", f["ticker"], dates[t]);
            }
        }
        let (ours, exact) = (fitted.params.rescaled(FIT_SCALE), params_of(&f["exact"]));
        for (what, a, b) in [
            ("mu", ours.mu, exact.mu),
            ("omega", ours.omega, exact.omega),
            ("alpha", ours.alpha, exact.alpha),
            ("beta", ours.beta, exact.beta),
        ] {
            assert!((a - b).abs() <= 1e-8 * b.abs(), "{} {what}: satool {a}, optimum {b}", f["ticker"]);
        }
        // At arch's own (default-fit) parameters, the forecasts themselves to 1e-10.
        let at_arch = GarchFit { params: params_of(&f["default"]).rescaled(0.01), ..fitted };
        let got = at_arch.one_day_variances(&r);
        for (t, want) in f["default"]["variance"].as_array().unwrap().iter().enumerate() {
            let (a, b) = (got[n_fit + t] * 1e4, want.as_f64().unwrap());
            assert!((a - b).abs() < 1e-10 * b, "{} {}: satool {a}, arch {b}", f["ticker"], dates[t]);
        }
    }
}
