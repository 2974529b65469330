//! Encoding of PF00076 against NumPy (tests/reference/pca_reference.py), and the decode rules.

use std::path::PathBuf;

use ndarray::{Array1, Array2, Axis};
use satool_protein::{clean, encode, one_hot, read_stockholm, CleanAlignment, ALPHABET};

fn pf00076() -> CleanAlignment {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/PF00076.sto");
    clean(&read_stockholm(&path).unwrap()[0]).unwrap()
}

/// numpy.linalg.svd of the centred 68 × 1420 one-hot matrix (pca_reference.py), s[0..67].
const NUMPY_SINGULAR_VALUES: [f64; 67] = [
    11.962459021651386,
    10.858486717179009,
    10.57343982725834,
    10.293259887910484,
    9.886224696437125,
    9.856991408491004,
    9.701972040283124,
    9.434960074884579,
    9.286672428479568,
    9.197937806099402,
    8.89723625116957,
    8.763367744337172,
    8.694114202828855,
    8.494016912432636,
    8.420833751537655,
    8.39288384749915,
    8.339423715538826,
    8.198903268812655,
    8.124717767220949,
    8.002651658229636,
    7.852261802757626,
    7.742819799350351,
    7.707293284163173,
    7.67273510188285,
    7.581327753900556,
    7.519169037068129,
    7.362992294183368,
    7.2707740058549435,
    7.235524539213141,
    7.185707629674089,
    7.099700771544308,
    6.999410343999492,
    6.884402856176409,
    6.8198834005042634,
    6.76078571909746,
    6.705217142337254,
    6.5986906634112295,
    6.571113769277466,
    6.501666447674429,
    6.474326331614989,
    6.319342836068167,
    6.274488925493102,
    6.208645644606933,
    6.137765859009109,
    6.073957786449626,
    6.016443799575919,
    5.927970454237916,
    5.874065424758589,
    5.820798867927354,
    5.762941779120912,
    5.715335895902623,
    5.594031612116809,
    5.561675936003113,
    5.526803422123147,
    5.439231850856207,
    5.311380063344561,
    5.301890102837434,
    5.218115626649531,
    5.177811608955635,
    5.066217533315458,
    4.944711243509674,
    4.880092698719187,
    4.824966502779729,
    4.768456531724553,
    4.562944913952121,
    4.354915290707698,
    3.4999848588979163,
];

fn rel_err(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

#[test]
fn d59_and_variance_match_numpy() {
    let c = pf00076();
    assert_eq!((c.k(), c.len()), (68, 71));
    let e = encode(&c, 0.95).unwrap();
    // pca_reference.py: d=59 retained=0.9517174028997466 total_variance=53.16527655838455
    assert_eq!(e.d(), 59);
    assert_eq!(e.seq_len(), 71);
    assert_eq!(e.k(), 68);
    assert!((e.variance_retained - 0.9517174028997466).abs() < 1e-12, "{}", e.variance_retained);
    // Naive vs pairwise summation of 96,560 squares: observed 4e-13 apart.
    assert!(rel_err(e.total_variance, 53.16527655838455) < 1e-11, "{}", e.total_variance);
    assert_eq!(e.explained.len(), 59);
    assert!((e.explained.iter().sum::<f64>() - e.variance_retained).abs() < 1e-15);
    assert!(rel_err(e.explained[0], 11.962459021651386_f64.powi(2) / 67.0 / 53.16527655838455) < 1e-12);
    // 58 components would not reach 95%.
    assert!(e.variance_retained - e.explained[58] < 0.95);
    for (i, (&ours, &numpy)) in e.singular_values.iter().zip(&NUMPY_SINGULAR_VALUES).enumerate() {
        assert!(rel_err(ours, numpy) < 1e-8, "s[{i}] {ours} vs {numpy}");
    }
    // The 68th direction is null after centring (NumPy: 5.3e-15).
    assert_eq!(e.singular_values.len(), 68);
    assert!(e.singular_values[67] < 1e-12, "{}", e.singular_values[67]);
}

fn faer_mat(a: &Array2<f64>) -> faer::Mat<f64> {
    faer::Mat::from_fn(a.nrows(), a.ncols(), |i, j| a[[i, j]])
}

/// The eigenvalues and eigenvectors (columns) of the symmetric `a` (faer, as the Gram route).
fn eigh(a: &Array2<f64>) -> (Array1<f64>, Array2<f64>) {
    let evd = faer_mat(a).self_adjoint_eigen(faer::Side::Lower).unwrap();
    let (s, u) = (evd.S(), evd.U());
    (Array1::from_shape_fn(a.nrows(), |i| s[i]), Array2::from_shape_fn(a.dim(), |(i, j)| u[(i, j)]))
}

/// Why the SVD and not `eigh` of the K × K Gram matrix: against NumPy, measured on PF00076.
#[test]
fn svd_vs_gram_eigh_on_pf00076() {
    let c = pf00076();
    let e = encode(&c, 0.95).unwrap();
    let x = one_hot(&c.seqs);
    let centred = &x - &x.mean_axis(Axis(0)).unwrap();

    // Gram route: G = Xc Xcᵀ = U S² Uᵀ, principal axes V = Xcᵀ U / s.
    let gram = centred.dot(&centred.t());
    let (lambda, u) = eigh(&gram);
    let mut order: Vec<usize> = (0..lambda.len()).collect();
    order.sort_by(|&a, &b| lambda[b].total_cmp(&lambda[a]));
    let s_gram: Vec<f64> = order.iter().map(|&i| lambda[i].max(0.0).sqrt()).collect();
    let mut v_gram = Array2::<f64>::zeros((centred.ncols(), 59));
    for (j, &i) in order.iter().take(59).enumerate() {
        let col = centred.t().dot(&u.column(i)) / s_gram[j];
        v_gram.column_mut(j).assign(&col);
    }

    let max_rel = |s: &[f64]| s.iter().zip(&NUMPY_SINGULAR_VALUES).map(|(&a, &b)| rel_err(a, b)).fold(0.0, f64::max);
    let ortho = |v: &Array2<f64>| {
        let g = v.t().dot(v);
        g.indexed_iter().map(|((i, j), &x)| (x - f64::from(u8::from(i == j))).abs()).fold(0.0, f64::max)
    };
    let (svd_sv, gram_sv) = (max_rel(&e.singular_values), max_rel(&s_gram));
    let (svd_orth, gram_orth) = (ortho(&e.components), ortho(&v_gram));
    println!("max rel. error of s[0..67] vs NumPy: SVD {svd_sv:.2e}, Gram {gram_sv:.2e}");
    println!("max |PᵀP − I| (59 kept axes): SVD {svd_orth:.2e}, Gram {gram_orth:.2e}");
    // The Gram route's null eigenvalue, unclamped: its size (either sign) is the route's floor.
    let null_gram = lambda[order[67]].abs().sqrt();
    println!("null direction s[67] (NumPy 5.3e-15): SVD {:.2e}, Gram √|λ| {null_gram:.2e}", e.singular_values[67]);
    // Measured: the kept part of PF00076 is well conditioned (s from 12.0 to 3.5), so both
    // routes agree with NumPy at round-off (≈ 2e-15) ...
    assert!(svd_sv < 1e-13 && gram_sv < 1e-13);
    assert!(svd_orth < 1e-13 && gram_orth < 1e-13);
    // ... but the Gram route cannot resolve a small singular value: its floor is ≈ √ε·s₀
    // (observed √|λ| = 3.9e-7 for the null direction), where the SVD stays at round-off (1.8e-14).
    assert!(e.singular_values[67] < 1e-13, "{}", e.singular_values[67]);
    assert!(null_gram > 1e-9, "{null_gram}");
}

/// The same comparison on a matrix with known singular values 1 … 1e-6 (e.g. a family with
/// near-duplicate sequences): the Gram route loses ≈ ε·s₀²/s² relative accuracy.
#[test]
fn svd_resolves_small_singular_values_gram_does_not() {
    let (m, n) = (12, 40);
    let known = [1.0, 0.3, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6];
    // Orthonormal factors from Householder reflections H = I − 2vvᵀ/(vᵀv), exact to round-off.
    let householder = |size: usize, seed: f64| {
        let v = Array1::from_iter((0..size).map(|i| ((i as f64 + 1.0) * seed).sin()));
        Array2::from_shape_fn((size, size), |(i, j)| f64::from(u8::from(i == j)) - 2.0 * v[i] * v[j] / v.dot(&v))
    };
    let (q1, q2) = (householder(m, 0.7), householder(n, 1.3));
    let mut a = Array2::<f64>::zeros((m, n));
    for (i, &s) in known.iter().enumerate() {
        let outer = q1.column(i).insert_axis(Axis(1)).dot(&q2.column(i).insert_axis(Axis(0)));
        a = a + outer * s;
    }
    let mut s_svd = faer_mat(&a).singular_values().unwrap();
    s_svd.sort_by(|a, b| b.total_cmp(a));
    let lambda = eigh(&a.dot(&a.t())).0;
    let mut s_gram: Vec<f64> = lambda.iter().map(|l| l.max(0.0).sqrt()).collect();
    s_gram.sort_by(|a, b| b.total_cmp(a));
    let worst = |s: &[f64]| known.iter().zip(s).map(|(&k, &v)| rel_err(v, k)).fold(0.0, f64::max);
    println!("max rel. error over s = 1 … 1e-6: SVD {:.2e}, Gram {:.2e}", worst(&s_svd), worst(&s_gram));
    assert!(worst(&s_svd) < 1e-8);
    assert!(worst(&s_gram) > 1e-6);
}

#[test]
fn components_are_orthonormal_and_sign_fixed() {
    let e = encode(&pf00076(), 0.95).unwrap();
    assert_eq!(e.components.dim(), (1420, 59));
    for col in e.components.columns() {
        let max = col.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let pivot = col.iter().find(|v| v.abs() >= max * (1.0 - 1e-9)).unwrap();
        assert!(*pivot > 0.0);
        assert!((col.dot(&col) - 1.0).abs() < 1e-13);
    }
}

#[test]
fn memories_are_unit_norm_codes() {
    let c = pf00076();
    let e = encode(&c, 0.95).unwrap();
    assert_eq!(e.memory.dim(), (59, 68));
    for col in e.memory.columns() {
        // ‖z‖/(‖z‖ + 1e-12) = 1 − 1e-12/‖z‖ ≈ 1 − 1.6e-13
        assert!((col.dot(&col).sqrt() - 1.0).abs() < 1e-12);
    }
    // pca_reference.py: code norms min=6.02628505166666 max=7.747159589786148 mean=7.051952039659067
    let min = e.code_norms.iter().copied().fold(f64::INFINITY, f64::min);
    let max = e.code_norms.iter().copied().fold(0.0, f64::max);
    let mean = e.code_norms.iter().sum::<f64>() / 68.0;
    assert!(rel_err(min, 6.02628505166666) < 1e-12);
    assert!(rel_err(max, 7.747159589786148) < 1e-12);
    assert!(rel_err(mean, 7.051952039659067) < 1e-12);
    // Projecting the stored sequences reproduces the memory matrix.
    let projected = e.project(&c.seqs);
    let diff = (&projected - &e.memory).mapv(f64::abs).fold(0.0, |m: f64, &v| m.max(v));
    assert!(diff < 1e-13, "{diff}");
}

#[test]
fn decode_of_zero_is_the_consensus() {
    let c = pf00076();
    let e = encode(&c, 0.95).unwrap();
    let decoded = e.decode(Array2::zeros((59, 1)).view());
    // Consensus from counts: per column the first most frequent residue.
    let consensus: Vec<u8> = (0..71)
        .map(|pos| {
            let mut counts = [0usize; 20];
            for s in &c.seqs {
                if let Some(a) = ALPHABET.iter().position(|&r| r == s[pos]) {
                    counts[a] += 1;
                }
            }
            let best = (0..20).fold(0, |b, a| if counts[a] > counts[b] { a } else { b });
            ALPHABET[best]
        })
        .collect();
    assert_eq!(decoded[0], consensus);
    // Also the string printed by pca_reference.py.
    assert_eq!(
        String::from_utf8_lossy(&decoded[0]),
        "LFVGNLPPDTTEEDLKDLFSKFGPIKSIRLVRDRETGRSKGFAFVEFEDEEDAEKAIDALNGKELGGRELR"
    );
}

fn mismatches(stored: &[Vec<u8>], decoded: &[Vec<u8>]) -> Vec<usize> {
    stored
        .iter()
        .zip(decoded)
        .map(|(s, d)| s.iter().zip(d).filter(|(&a, &b)| !(a == b || (satool_protein::is_gap(a) && b == b'-'))).count())
        .collect()
}

#[test]
fn stored_codes_decode_to_their_sequences_up_to_truncation() {
    let c = pf00076();
    let e = encode(&c, 0.95).unwrap();
    let decoded = e.decode(e.stored_codes().view());
    let mism = mismatches(&c.seqs, &decoded);
    // pca_reference.py: total=135 max_per_seq=8 seqs_exact=26 (of 68 × 71 = 4828 positions: 97.2% recovered).
    assert_eq!(mism.iter().sum::<usize>(), 135);
    assert_eq!(*mism.iter().max().unwrap(), 8);
    assert_eq!(mism.iter().filter(|&&m| m == 0).count(), 26);
    // The published decode of a unit-norm memory is pulled to the consensus (pca_reference.py: 1758).
    let unit = mismatches(&c.seqs, &e.decode(e.memory.view()));
    assert_eq!(unit.iter().sum::<usize>(), 1758);
}

#[test]
fn full_rank_encoding_decodes_exactly() {
    let c = pf00076();
    let e = encode(&c, 1.0).unwrap();
    assert_eq!(e.d(), 67, "K − 1 non-null directions");
    assert!((e.variance_retained - 1.0).abs() < 1e-12);
    let mism = mismatches(&c.seqs, &e.decode(e.stored_codes().view()));
    assert!(mism.iter().all(|&m| m == 0), "{mism:?}");
}

#[test]
fn non_finite_sample_decodes_to_x_and_bad_targets_fail() {
    let e = encode(&pf00076(), 0.95).unwrap();
    let mut xi = Array2::zeros((59, 1));
    xi[[3, 0]] = f64::NAN;
    assert!(e.decode(xi.view())[0].iter().all(|&b| b == b'X'));
    for bad in [0.0, -0.1, 1.5, f64::NAN] {
        assert!(encode(&pf00076(), bad).is_err(), "{bad}");
    }
    let mut same = pf00076();
    let first = same.seqs[0].clone();
    same.seqs.iter_mut().for_each(|s| *s = first.clone());
    let err = encode(&same, 0.95).unwrap_err();
    assert!(err.to_string().contains("identical"), "{err}");
}

#[test]
fn one_hot_layout_is_position_major() {
    let x = one_hot(&[b"C-Y".to_vec(), b"AX.".to_vec()]);
    assert_eq!(x.dim(), (2, 60));
    let expect0 = Array1::from_iter((0..60).map(|f| f64::from(u8::from(f == 1 || f == 40 + 19))));
    let expect1 = Array1::from_iter((0..60).map(|f| f64::from(u8::from(f == 0))));
    assert_eq!(x.row(0), expect0);
    assert_eq!(x.row(1), expect1);
}
