//! The core used as a library, through its re-exported API only: build a memory, choose β*,
//! sample with the exact mixture and the Langevin chains, and check the law's moments.

use ndarray::{array, Array1, Array2, Axis};
use satool::{
    convergence, energies, entropy_inflection, exact_samples, exact_samples_parallel, mixture_weights, novelty,
    refined_beta_star, run_chains, stream, Error, Kernel, Memory, OperatingPoints, Params, Protocol,
};

/// Three patterns of different norms in d = 3 (unequal mixture weights).
fn memory() -> Memory {
    Memory::new(array![[1.0, 0.0, 0.3], [0.0, 1.2, 0.4], [0.0, 0.0, -0.9]]).unwrap()
}

/// Mean `Σ w_k m_k` and covariance `β⁻¹ I + Σ w_k m_k m_kᵀ − μ μᵀ` of the Boltzmann law.
fn mixture_moments(mem: &Memory, beta: f64) -> (Array1<f64>, Array2<f64>) {
    let w = mixture_weights(mem, beta);
    let x = mem.x();
    let mu = x.dot(&Array1::from(w.clone()));
    let mut cov = Array2::eye(mem.d()) / beta;
    for (k, wk) in w.iter().enumerate() {
        let m = x.column(k);
        for i in 0..mem.d() {
            for j in 0..mem.d() {
                cov[[i, j]] += wk * m[i] * m[j];
            }
        }
    }
    for i in 0..mem.d() {
        for j in 0..mem.d() {
            cov[[i, j]] -= mu[i] * mu[j];
        }
    }
    (mu, cov)
}

#[test]
fn exact_sampler_has_the_mixture_moments() {
    let mem = memory();
    let beta = 4.0;
    let n = 400_000;
    let s = exact_samples_parallel(&mem, beta, n, 11, "moments").unwrap();
    let (mu, cov) = mixture_moments(&mem, beta);
    let mean = s.mean_axis(Axis(1)).unwrap();
    let centred = &s - &mean.view().insert_axis(Axis(1));
    let emp_cov = centred.dot(&centred.t()) / (n as f64 - 1.0);
    for i in 0..mem.d() {
        // 5 standard errors of a mean over n draws
        let se = (cov[[i, i]] / n as f64).sqrt();
        assert!((mean[i] - mu[i]).abs() < 5.0 * se, "mean[{i}] {} vs {}", mean[i], mu[i]);
        for j in 0..mem.d() {
            let tol = 5.0 * ((cov[[i, i]] * cov[[j, j]] + cov[[i, j]].powi(2)) / n as f64).sqrt();
            assert!((emp_cov[[i, j]] - cov[[i, j]]).abs() < tol, "cov[{i},{j}] {} vs {}", emp_cov[[i, j]], cov[[i, j]]);
        }
    }
    // the test has power: the law at another temperature is rejected
    let (hot_mu, _) = mixture_moments(&mem, 1.0);
    assert!((0..mem.d()).any(|i| (mean[i] - hot_mu[i]).abs() > 20.0 * (cov[[i, i]] / n as f64).sqrt()));
}

/// MALA chains have the exact law's mean energy, to a tolerance that a 5% error in β fails: at
/// β = 4 the exact law's mean energy (evaluated at β) moves by −0.016 / +0.016 when the chains
/// run at 1.05β / 0.95β (asserted below from exact draws), against a tolerance of 0.006. The
/// 300 chains × 300 kept states give an SE of about 0.001 (seeds 0–4 measured within ±0.0015 at
/// β, and 0.013–0.018 away when run 5% off; 0.3 s each).
#[test]
fn langevin_chains_agree_with_the_exact_law_in_mean_energy() {
    const TOL: f64 = 0.006;
    let mem = memory();
    let beta = 4.0;
    let mean = |v: Vec<f64>| v.iter().sum::<f64>() / v.len() as f64;
    let exact_energy = |b: f64, label: &str| {
        let (x, _) = exact_samples(&mem, b, 400_000, &mut stream(3, label)).unwrap();
        mean(energies(&mem, beta, x.view()))
    };
    let e_exact = exact_energy(beta, "exact");
    // the tolerance has power: the law 5% off in temperature is outside it, on both sides
    for f in [0.95, 1.05] {
        let off = exact_energy(f * beta, "off");
        assert!((off - e_exact).abs() > 2.0 * TOL, "β × {f}: mean energy {off} vs {e_exact}");
    }
    let proto = Protocol::new(300, 4000, 1000, 10).unwrap();
    let chains = |b: f64| {
        let run = run_chains(&mem, Params::new(0.05, b).unwrap(), Kernel::Mala, &proto, 3, "mala").unwrap();
        (mean(energies(&mem, beta, run.states.view())), run)
    };
    let (e_chain, run) = chains(beta);
    assert!((e_chain - e_exact).abs() < TOL, "chain mean energy {e_chain} vs exact {e_exact}");
    assert!(run.acceptance.unwrap() > 0.5);
    assert!(novelty(&mem, run.states.view()).iter().all(|v| v.is_finite() && *v >= 0.0));
    // and chains run 5% off in β fail it
    for f in [0.95, 1.05] {
        let (e, _) = chains(f * beta);
        assert!((e - e_exact).abs() > TOL, "chains at β × {f}: {e} vs {e_exact}");
    }
}

/// A β so large that `β mᵀξ` overflows makes the chains' logits NaN: an error, not chains that
/// silently run on NaN weights (or with every proposal accepted).
#[test]
fn chains_whose_logits_overflow_are_an_error() {
    // ‖m‖² ≥ 4: β‖m‖² > f64::MAX at the start
    let (big, p) = (Memory::new(memory().x().mapv(|v| 2.0 * v)).unwrap(), Params::new(0.01, 1e308).unwrap());
    for kernel in [Kernel::Ula, Kernel::Mala] {
        let err = run_chains(&big, p, kernel, &Protocol::default(), 1, "huge").unwrap_err();
        assert!(matches!(err, Error::NonFinite(_)), "{kernel:?}: {err}");
        assert!(err.to_string().starts_with("non-finite value: the attention logsumexp of chain "), "{err}");
    }
}

#[test]
fn beta_star_and_operating_points_come_from_the_memory() {
    let curve = entropy_inflection(&memory());
    assert_eq!(curve.betas.len(), 50);
    let ops = OperatingPoints::from_beta_star(curve.beta_star);
    assert_eq!(ops.beta_ret, (20.0 * curve.beta_star).round_ties_even().max(1.0));
    assert_eq!(ops.beta_gen, (2.0 * curve.beta_star).round_ties_even().max(1.0));
}

/// The refined β* against tests/reference/beta_star_refined.py (SciPy's bounded minimiser of the
/// same closed form, which the script checks against a numerical derivative of the entropy):
/// 3.286645; the published 50-point rule gives 3.234325.
#[test]
fn refined_beta_star_matches_a_numerical_derivative_of_the_entropy() {
    let (d, k) = (12, 40);
    let mut x = Array2::from_shape_fn((d, k), |(i, j)| (1.3 * i as f64 + 0.7 * j as f64 + 0.1 * (i * j) as f64).sin());
    for mut c in x.columns_mut() {
        let n = c.dot(&c).sqrt();
        c /= n;
    }
    let mem = Memory::new(x).unwrap();
    let refined = refined_beta_star(&mem);
    assert!((refined - 3.286645).abs() < 1e-5, "refined β* = {refined}");
    assert!((entropy_inflection(&mem).beta_star - 3.234325).abs() < 1e-6);
}

#[test]
fn invalid_parameters_are_errors_naming_the_parameter() {
    let err = |r: Result<Params, Error>| r.unwrap_err().to_string();
    assert_eq!(err(Params::new(5.0, 1.0)), "alpha = 5 is out of range: 0 < alpha < 1");
    assert!(err(Params::new(0.01, 0.0)).starts_with("beta = 0 is out of range"));
    assert!(err(Params::new(0.01, f64::INFINITY)).starts_with("beta = inf"));
    assert!(Protocol::new(0, 10, 2, 1).unwrap_err().to_string().starts_with("chains = 0"));
    assert!(Protocol::new(3, 10, 10, 1).is_err(), "no kept state");
    assert!(Protocol::new(3, 10, 2, 0).is_err(), "thin 0");
    assert!(Protocol::default().with_init_noise(-1.0).is_err());
    assert!(exact_samples(&memory(), -2.0, 5, &mut stream(1, "x")).is_err());
    assert!(matches!(Memory::new(Array2::zeros((3, 1))), Err(Error::Memory(_))));
    assert!(matches!(memory().subset(&[0, 7]), Err(Error::Mask(_))));
    assert!(satool::Regimes::new(vec![0, 0, 1], vec![0, 2]).is_err(), "regime 2 labels no memory");
}

/// R̂ and bulk ESS against ArviZ 0.23.4 (`rhat(method="rank")`, `ess(method="bulk")`) on the
/// draws of tests/reference/convergence_reference.py.
#[test]
fn convergence_diagnostics_match_arviz() {
    let wave = |shift: f64| -> Vec<Vec<f64>> {
        (0..4)
            .map(|c| {
                (0..50)
                    .map(|i| {
                        let (i, c) = (i as f64, c as f64);
                        (0.37 * i + c).sin()
                            + 0.5 * (1.7 * i * (c + 1.0)).sin()
                            + 0.1 * c
                            + if c == 3.0 { shift } else { 0.0 }
                    })
                    .collect()
            })
            .collect()
    };
    let ar1 = || -> Vec<Vec<f64>> {
        let mut state: u64 = 12345;
        (0..4)
            .map(|_| {
                let mut x = 0.0;
                (0..200)
                    .map(|_| {
                        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        let e = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                        x = 0.9 * x + e;
                        x
                    })
                    .collect()
            })
            .collect()
    };
    for (draws, rhat, ess) in [
        (wave(0.0), 1.017470669083, 51.330069231557),
        (wave(0.8), 1.163827906465, 35.703470723142),
        (ar1(), 1.140454336155, 23.237169298609),
    ] {
        let refs: Vec<&[f64]> = draws.iter().map(Vec::as_slice).collect();
        let c = convergence(&refs).unwrap();
        assert!((c.rhat - rhat).abs() < 1e-9, "R̂ {} vs ArviZ {rhat}", c.rhat);
        assert!((c.ess_bulk - ess).abs() < 1e-7, "ESS {} vs ArviZ {ess}", c.ess_bulk);
    }
    assert!(convergence(&[&[1.0, 2.0, 3.0][..]]).is_none(), "one chain");
    assert!(convergence(&[&[1.0; 6][..], &[1.0; 6][..]]).is_none(), "constant draws");
}

/// Regime switching: a day of regime r attends to regime r's memories only. With each memory's
/// raw row the one-hot vector of its regime, every emitted day is a convex combination of rows of
/// one regime, so it must be exactly that regime's one-hot vector — for regimes of many days, of
/// one day (stored twice internally), in both precisions, and the same run twice gives the same bits.
#[test]
fn regime_days_attend_to_their_regime_only() {
    use satool::{generate_sequential, Precision, Regimes, Sequential};
    let (d, k) = (6, 40);
    let mut rng = stream(5, "regime-memory");
    let x = Array2::from_shape_simple_fn((d, k), || rand::Rng::random::<f64>(&mut rng) - 0.5);
    let mem = Memory::new(x).unwrap();
    // Labels 0..3; regime 3 has a single day (pattern 39).
    let labels: Vec<u32> = (0..k as u32).map(|i| if i == 39 { 3 } else { i % 3 }).collect();
    let raw = Array2::from_shape_fn((k, 4), |(i, j)| f64::from(labels[i] == j as u32));
    let days = 60;
    let path: Vec<u32> = (0..days as u32).map(|t| [0, 0, 1, 2, 3, 3, 1][(t / 4) as usize % 7]).collect();
    for precision in [Precision::F64, Precision::F32] {
        let cfg = Sequential::new(Params::new(0.01, 8.0).unwrap(), 5, days, 4).unwrap().with_precision(precision);
        let regimes = Regimes::new(labels.clone(), path.clone()).unwrap();
        let run = generate_sequential(&mem, raw.view(), &cfg, Some(&regimes), 9, "r").unwrap();
        for (t, row) in run.returns.rows().into_iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                let want = f64::from(path[t] == j as u32);
                assert!((v - want).abs() < 1e-6, "{precision:?} day {t} (regime {}), column {j}: {v}", path[t]);
            }
        }
        assert!(run.acceptance > 0.5 && run.states.dim() == (d, days));
        let again = generate_sequential(&mem, raw.view(), &cfg, Some(&regimes), 9, "r").unwrap();
        assert_eq!(run.returns, again.returns);
    }
}

/// A memory given as a transposed (column-major) array is the same memory to the last bit; a
/// pattern whose norm overflows is refused; at a β where β‖m‖²/2 overflows, the weights are not
/// NaN and the exact draws come from the largest pattern (they came from pattern 0, silently).
#[test]
fn memory_layout_overflowing_norms_and_huge_beta() {
    let rows = Array2::from_shape_fn((200, 50), |(k, i)| ((k * 31 + i * 17) % 97) as f64 / 97.0 - 0.41);
    let by_columns = Memory::new(rows.t().to_owned()).unwrap(); // standard layout, d × K
    let transposed = Memory::new(rows.clone().reversed_axes()).unwrap(); // column-major, d × K
    assert_eq!(by_columns.norms().to_vec(), transposed.norms().to_vec());
    assert_eq!(mixture_weights(&by_columns, 7.0), mixture_weights(&transposed, 7.0));
    let e = Memory::new(array![[1e155, 0.0], [0.0, 2e155]]).unwrap_err();
    assert!(e.to_string().contains("pattern 0's norm overflows"), "{e}");
    let mem = Memory::new(array![[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 3.0]]).unwrap();
    assert_eq!(mixture_weights(&mem, 1e308), [0.0, 0.0, 1.0]);
    assert_eq!(mixture_weights(&mem, 1e300), [0.0, 0.0, 1.0]);
    for beta in [1e300, 1e308] {
        let (_, comps) = exact_samples(&mem, beta, 5, &mut stream(1, "e")).unwrap();
        assert_eq!(comps, [2; 5], "β = {beta}");
    }
}

/// Misuse a caller can make is said in the caller's terms: samples of another d name the call
/// (not a kernel's shapes), a thinning index past a chain's states names both, an n too large to
/// allocate is an error.
#[test]
fn misuse_is_named() {
    let mem = memory();
    let wrong_d = Array2::<f64>::zeros((5, 2));
    for (what, call) in [
        ("energies", Box::new(|| drop(energies(&mem, 2.0, wrong_d.view()))) as Box<dyn Fn()>),
        ("novelty", Box::new(|| drop(novelty(&mem, wrong_d.view())))),
    ] {
        let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)).unwrap_err();
        let text = panic.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(
            text.starts_with(&format!("{what}: samples are d × n with the memory's d = 3 rows; got 5 × 2")),
            "{text}"
        );
    }
    let run = run_chains(
        &mem,
        Params::new(0.01, 5.0).unwrap(),
        Kernel::Ula,
        &Protocol::new(4, 300, 200, 50).unwrap(),
        1,
        "x",
    )
    .unwrap();
    let panic = std::panic::catch_unwind(|| run.select(&[0, 7])).unwrap_err();
    assert!(panic.downcast_ref::<String>().unwrap().contains("index 7, but each chain kept 2 states"));
    let e = exact_samples(&mem, 1.0, usize::MAX / 2, &mut stream(1, "e")).unwrap_err();
    assert!(matches!(e, Error::Parameter { name: "n", .. }), "{e}");
    assert!(exact_samples_parallel(&mem, 1.0, usize::MAX / 2, 1, "e").is_err());
}

/// Non-finite input gives NaN or None, not a number: novelty of a NaN sample was inf, the entropy
/// at a NaN β −0, the operating points of a NaN β* 1 and 1, R̂ of draws with a NaN a value.
#[test]
fn non_finite_input_is_not_a_number_out() {
    let mem = memory();
    let v = novelty(&mem, array![[f64::NAN, 1.0], [0.0, 0.0], [0.0, 0.0]].view());
    assert!(v[0].is_nan() && v[1].is_finite(), "{v:?}");
    assert!(satool::mean_entropy(&mem, f64::NAN).is_nan());
    let op = OperatingPoints::from_beta_star(f64::NAN);
    assert!(op.beta_gen.is_nan() && op.beta_ret.is_nan());
    assert!(convergence(&[&[1.0, 2.0, f64::NAN, 4.0], &[1.0, 2.0, 3.0, 5.0]]).is_none());
    assert!(convergence(&[&[1.0, 2.0, 3.5, 4.0], &[1.0, 2.0, 3.0, 5.0]]).is_some());
}
