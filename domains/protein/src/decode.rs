//! Decoders from memory space to sequences beyond the published one.
//!
//! The published decode ([`Encoding::decode`]: `x = Pξ + μ`, argmax per position) maps a sample
//! ξ of norm ≈ 1 into a space whose stored codes have norm 6–8, so every sample decodes close to
//! the family consensus. The decoders here put samples among the family instead:
//!
//! - [`DecodeMethod::Norm`]: restore the stored codes' norm before decoding: ξ · λs with
//!   s = Σ_k p_k(ξ) ‖z_k‖ (the attention-weighted norm of the stored codes at the method's β)
//!   and a shrink factor λ ≤ 1, then per position the argmax of 21 states of the block
//!   b = P(λsξ) + μ: the 20 residues with mass max(b_a, 0) and the gap with mass
//!   max(1 − Σ_a b_a, 0) (a stored gap is an all-zero block, so a block's missing mass is its
//!   gap share). With λ = 1 a stored memory decodes to its own PCA reconstruction; but a sample
//!   of the generation law is a memory plus isotropic noise of norm ≈ √(d/β), which the
//!   restoration scales up too — λ = 0.6 ([`DEFAULT_SHRINK`], chosen by measurement on PF00076
//!   and fn3) brings identities and HMM scores to the natural family's.
//! - [`DecodeMethod::Sample`]: the same 21-state blocks, one state drawn per position with
//!   probability ∝ mass^(1/T) (T = decode temperature; T → 0 is the `norm` argmax).
//! - [`DecodeMethod::Attention`]: per position, the residue (or gap) of a stored sequence drawn
//!   from the attention weights p(ξ) = softmax(β Xᵀξ); with a segment length ℓ > 1, the drawn
//!   sequence is kept along the alignment and re-drawn with probability 1/ℓ at each position.
//! - [`DecodeMethod::Mix`]: the `norm` sequence with a share q of its positions (each chosen
//!   independently) replaced by an `attention` draw at c × β. At q = 0.5, c = 0.25 the nearest
//!   member identity falls to the members' own leave-one-out level on PF00076, fn3 and LuxC while
//!   connected correlations are kept far better than by `attention:1:c` at the same identity
//!   (bench/decoders/CALIBRATED.md).
//!
//! The attention weights p(ξ) are the caller's: [`Decoder::decode`] asks for them, so the
//! decoders use the sampler's own attention, with whatever logit bias its memory carries
//! (sequence weights, say), and this crate computes no softmax of its own.
//!
//! Each sampling decoder draws from the random stream it is given, sample by sample in order,
//! so the same stream gives the same sequences whatever the thread count.

use ndarray::{Array2, ArrayView2};
use rand::Rng;
use std::fmt;
use std::str::FromStr;

use crate::alphabet::{ALPHABET, N_AA};
use crate::encode::{one_hot, Encoding};
use crate::input::is_gap;

/// How memory-space samples become sequences (`--decode`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DecodeMethod {
    /// `x = Pξ + μ`, argmax per position (the paper's decode).
    Published,
    /// ξ scaled by `shrink` × the attention-weighted stored norm Σ_k p_k ‖z_k‖, then the
    /// 21-state argmax per position (gap = 1 − Σ block).
    Norm { shrink: f64 },
    /// The same blocks as a 21-state distribution, sampled at this decode temperature.
    Sample { temperature: f64, shrink: f64 },
    /// Per position, the residue of a stored sequence drawn from the attention weights at
    /// `beta_scale` × the method's β; the drawn sequence is kept for segments of mean length
    /// `segment` (1: every position drawn anew).
    Attention { segment: f64, beta_scale: f64 },
    /// The `norm` argmax (λ = [`DEFAULT_SHRINK`]) at each position, but for a share `share` of
    /// positions, each chosen independently, where the residue (or gap) of a stored sequence drawn
    /// from the attention weights at `beta_scale` × the method's β is written instead.
    Mix { share: f64, beta_scale: f64 },
    /// One of the fixed decoders chosen per family by the caller from the family itself (an
    /// internal split of the members); it must be resolved to that choice before decoding.
    Calibrated,
}

/// The `--decode` values, for help and error messages.
pub const DECODE_IDS: &str =
    "published, norm[:SHRINK], sample[:T[:SHRINK]], attention[:SEGMENT[:BETA_SCALE]], mix:SHARE[:BETA_SCALE], calibrated";

/// The norm restoration's shrink factor λ when `norm` or `sample` is given without one.
pub const DEFAULT_SHRINK: f64 = 0.6;

impl DecodeMethod {
    /// Whether decoding draws random numbers.
    pub fn is_random(&self) -> bool {
        matches!(
            self,
            DecodeMethod::Sample { .. }
                | DecodeMethod::Attention { .. }
                | DecodeMethod::Mix { .. }
                | DecodeMethod::Calibrated
        )
    }

    /// Whether the decoder needs the attention weights of each sample.
    pub fn needs_weights(&self) -> bool {
        !matches!(self, DecodeMethod::Published)
    }

    /// The factor on the method's β of the attention weights the decoder reads (1 but for
    /// `attention:ℓ:c`).
    pub fn beta_scale(&self) -> f64 {
        match self {
            DecodeMethod::Attention { beta_scale, .. } | DecodeMethod::Mix { beta_scale, .. } => *beta_scale,
            _ => 1.0,
        }
    }

    /// One line saying what the decoder does (for the header).
    pub fn describe(&self) -> String {
        match self {
            DecodeMethod::Published => "x = Pξ + μ without rescaling, argmax per position ('-' if the block max < 1e-10)".into(),
            DecodeMethod::Norm { shrink } => format!(
                "b = P(λsξ) + μ with s = Σ_k p_k‖z_k‖ (attention-weighted stored norm at the method's β), λ = {}; per position the argmax of 21 states (residues max(b,0), gap max(1 − Σb, 0))",
                Num(*shrink)
            ),
            DecodeMethod::Sample { temperature, shrink } => format!(
                "b = P(λsξ) + μ with s = Σ_k p_k‖z_k‖ at the method's β, λ = {}; per position one of 21 states (residues max(b,0), gap max(1 − Σb, 0)) drawn ∝ mass^(1/T), T = {}",
                Num(*shrink),
                Num(*temperature)
            ),
            DecodeMethod::Attention { segment, beta_scale } => format!(
                "per position the residue or gap of a stored sequence drawn from the attention weights at {}the method's β{}",
                if *beta_scale != 1.0 { format!("{} × ", Num(*beta_scale)) } else { String::new() },
                if *segment > 1.0 { format!(", kept for segments of mean length {}", Num(*segment)) } else { String::new() }
            ),
            DecodeMethod::Mix { share, beta_scale } => format!(
                "per position the norm argmax (λ = {DEFAULT_SHRINK}, s = Σ_k p_k‖z_k‖ at {}the method's β), but at a share {} of positions (each drawn independently) the residue or gap of a stored sequence drawn from those attention weights",
                if *beta_scale != 1.0 { format!("{} × ", Num(*beta_scale)) } else { String::new() },
                Num(*share),
            ),
            DecodeMethod::Calibrated => "a fixed decode chosen per family from the family itself (see decode_calibration)".into(),
        }
    }
}

impl fmt::Display for DecodeMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeMethod::Published => write!(f, "published"),
            DecodeMethod::Norm { shrink } if *shrink == DEFAULT_SHRINK => write!(f, "norm"),
            DecodeMethod::Norm { shrink } => write!(f, "norm:{}", Num(*shrink)),
            DecodeMethod::Sample { temperature, shrink } if *shrink == DEFAULT_SHRINK && *temperature == 1.0 => {
                write!(f, "sample")
            }
            DecodeMethod::Sample { temperature, shrink } if *shrink == DEFAULT_SHRINK => {
                write!(f, "sample:{}", Num(*temperature))
            }
            DecodeMethod::Sample { temperature, shrink } => write!(f, "sample:{}:{}", Num(*temperature), Num(*shrink)),
            DecodeMethod::Attention { segment, beta_scale } if *beta_scale != 1.0 => {
                write!(f, "attention:{}:{}", Num(*segment), Num(*beta_scale))
            }
            DecodeMethod::Attention { segment, .. } if *segment == 1.0 => write!(f, "attention"),
            DecodeMethod::Attention { segment, .. } => write!(f, "attention:{}", Num(*segment)),
            DecodeMethod::Mix { share, beta_scale } if *beta_scale == 1.0 => write!(f, "mix:{}", Num(*share)),
            DecodeMethod::Mix { share, beta_scale } => write!(f, "mix:{}:{}", Num(*share), Num(*beta_scale)),
            DecodeMethod::Calibrated => write!(f, "calibrated"),
        }
    }
}

/// A decode parameter as the user would write it: `0.25`, and `1e-300` rather than three
/// hundred digits (what `{}` prints for a tiny or huge f64); either form parses back to the same value.
struct Num(f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plain = self.0.to_string();
        if plain.len() > 12 && format!("{:e}", self.0).len() < plain.len() {
            write!(f, "{:e}", self.0)
        } else {
            f.write_str(&plain)
        }
    }
}

impl FromStr for DecodeMethod {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let mut parts = s.split(':');
        let name = parts.next().unwrap_or_default();
        let args: Vec<&str> = parts.collect();
        let number = |i: usize, what: &str, lo: f64, hi: f64, default: f64| -> Result<f64, String> {
            let Some(a) = args.get(i) else { return Ok(default) };
            let v: f64 = a.parse().map_err(|_| format!("--decode {s}: {what} '{a}' is not a number"))?;
            if !(v.is_finite() && v >= lo && v <= hi) {
                return Err(format!("--decode {s}: {what} must be in [{lo}, {hi}], got {a}"));
            }
            Ok(v)
        };
        let max_args = match name {
            "published" | "calibrated" => 0,
            "norm" => 1,
            "sample" | "attention" | "mix" => 2,
            _ => return Err(format!("unknown decode '{s}' (expected one of: {DECODE_IDS})")),
        };
        if args.len() > max_args {
            return Err(format!("--decode {s}: '{name}' takes at most {max_args} ':' parameter(s) ({DECODE_IDS})"));
        }
        let shrink = |i| number(i, "the shrink factor λ", 1e-6, 1.0, DEFAULT_SHRINK);
        Ok(match name {
            "published" => DecodeMethod::Published,
            "calibrated" => DecodeMethod::Calibrated,
            "norm" => DecodeMethod::Norm { shrink: shrink(0)? },
            "sample" => {
                DecodeMethod::Sample { temperature: number(0, "the temperature", 0.0, 1e6, 1.0)?, shrink: shrink(1)? }
            }
            "mix" => {
                if args.is_empty() {
                    return Err(format!("--decode {s}: 'mix' needs the share of positions, e.g. mix:0.3"));
                }
                DecodeMethod::Mix {
                    share: number(0, "the share of positions", 0.0, 1.0, 0.0)?,
                    beta_scale: number(1, "the β scale", 1e-3, 1e3, 1.0)?,
                }
            }
            _ => DecodeMethod::Attention {
                segment: number(0, "the segment length", 1.0, 1e12, 1.0)?,
                beta_scale: number(1, "the β scale", 1e-3, 1e3, 1.0)?,
            },
        })
    }
}

/// ‖z_k‖ = ‖Pᵀ(x_k − μ)‖ of each sequence (aligned to the L columns): the norms the memories
/// were divided by.
pub fn code_norms(enc: &Encoding, seqs: &[Vec<u8>]) -> Vec<f64> {
    let centred = one_hot(seqs) - &enc.mean;
    let z = enc.components.t().dot(&centred.t());
    z.columns().into_iter().map(|c| c.dot(&c).sqrt()).collect()
}

/// The attention-weighted stored norm Σ_k p_k ‖z_k‖.
pub fn restored_norm(weights: &[f64], norms: &[f64]) -> f64 {
    weights.iter().zip(norms).map(|(p, n)| p * n).sum()
}

/// The 21 masses of one decoded block b (20 residues in alphabet order, then the gap):
/// max(b_a, 0) and max(1 − Σ_a b_a, 0).
pub fn block_masses(block: &[f64]) -> [f64; N_AA + 1] {
    let mut m = [0.0; N_AA + 1];
    for (a, &v) in block.iter().enumerate().take(N_AA) {
        m[a] = v.max(0.0);
    }
    m[N_AA] = (1.0 - block.iter().take(N_AA).sum::<f64>()).max(0.0);
    m
}

/// One state of a 21-state block drawn ∝ mass^(1/T); T = 0 gives the first maximum. Returns the
/// residue letter or `-`; `X` when the block is not finite.
pub fn sample_block<R: Rng + ?Sized>(block: &[f64], temperature: f64, rng: &mut R) -> u8 {
    if block.iter().any(|v| !v.is_finite()) {
        return b'X';
    }
    let m = block_masses(block);
    let letter = |i: usize| if i == N_AA { b'-' } else { ALPHABET[i] };
    let argmax = || {
        let mut best = 0;
        for i in 1..m.len() {
            if m[i] > m[best] {
                best = i;
            }
        }
        letter(best)
    };
    if temperature == 0.0 {
        return argmax();
    }
    let max = m.iter().copied().fold(0.0, f64::max);
    // Relative to the maximum, so a small T does not underflow every weight to zero.
    let w: Vec<f64> = m.iter().map(|&v| if v > 0.0 { (v / max).powf(1.0 / temperature) } else { 0.0 }).collect();
    let total: f64 = w.iter().sum();
    if !(total > 0.0 && total.is_finite()) {
        return argmax();
    }
    let mut u = rng.random::<f64>() * total;
    for (i, &v) in w.iter().enumerate() {
        if v > 0.0 {
            if u < v {
                return letter(i);
            }
            u -= v;
        }
    }
    // Round-off: the last positive state.
    letter(w.iter().rposition(|&v| v > 0.0).unwrap_or(N_AA))
}

/// `norm` and `sample` decode: each column ξ_i of `xi` (d × n) scaled by `scales[i]`, decoded
/// to blocks b = P(s ξ) + μ, and one of 21 states taken per position by [`sample_block`]
/// (temperature 0: the argmax, no random number drawn).
pub fn decode_sampled<R: Rng + ?Sized>(
    enc: &Encoding,
    xi: ArrayView2<f64>,
    scales: &[f64],
    temperature: f64,
    rng: &mut R,
) -> Vec<Vec<u8>> {
    assert_eq!(xi.ncols(), scales.len(), "decode_sampled: {} samples, {} scales", xi.ncols(), scales.len());
    let l = enc.seq_len();
    let x = enc.components.dot(&xi); // 20L × n
    x.columns()
        .into_iter()
        .zip(scales)
        .map(|(col, &s)| {
            (0..l)
                .map(|pos| {
                    let block: Vec<f64> =
                        (0..N_AA).map(|a| s * col[pos * N_AA + a] + enc.mean[pos * N_AA + a]).collect();
                    sample_block(&block, temperature, rng)
                })
                .collect()
        })
        .collect()
}

/// One index drawn ∝ `weights` (non-negative, summing to `total` > 0) from one uniform number;
/// round-off past the end gives the last positive weight.
fn draw_index<R: Rng + ?Sized>(weights: &[f64], total: f64, rng: &mut R) -> usize {
    let mut u = rng.random::<f64>() * total;
    for (k, &w) in weights.iter().enumerate() {
        if w > 0.0 {
            if u < w {
                return k;
            }
            u -= w;
        }
    }
    weights.iter().rposition(|&w| w > 0.0).unwrap_or(0)
}

/// `attention` decode of one sample: per position the letter of `stored[k]` with k drawn from
/// `weights` (gap characters written `-`); with `segment` > 1 the drawn k is kept and re-drawn
/// with probability 1/segment at each later position. Non-finite weights give `X`s.
pub fn decode_attention_one<R: Rng + ?Sized>(
    stored: &[Vec<u8>],
    weights: &[f64],
    segment: f64,
    rng: &mut R,
) -> Vec<u8> {
    assert_eq!(
        stored.len(),
        weights.len(),
        "decode_attention: {} stored sequences, {} weights",
        stored.len(),
        weights.len()
    );
    let l = stored.first().map_or(0, Vec::len);
    let total: f64 = weights.iter().sum();
    if !(total.is_finite() && total > 0.0) || weights.iter().any(|w| !w.is_finite() || *w < 0.0) {
        return vec![b'X'; l];
    }
    let mut k = draw_index(weights, total, rng);
    (0..l)
        .map(|pos| {
            if pos > 0 && (segment <= 1.0 || rng.random::<f64>() < 1.0 / segment) {
                k = draw_index(weights, total, rng);
            }
            let c = stored[k][pos];
            if is_gap(c) {
                b'-'
            } else {
                c
            }
        })
        .collect()
}

/// `mix` decode of one sample: `argmax` (its `norm` sequence) with each position, with
/// probability `share`, replaced by the letter of a stored sequence drawn from `weights` (one
/// uniform number per position, then one per replaced position for the draw).
pub fn mix_one<R: Rng + ?Sized>(
    mut argmax: Vec<u8>,
    stored: &[Vec<u8>],
    weights: &[f64],
    share: f64,
    rng: &mut R,
) -> Vec<u8> {
    let total: f64 = weights.iter().sum();
    if !(total.is_finite() && total > 0.0) || weights.iter().any(|w| !w.is_finite() || *w < 0.0) {
        return vec![b'X'; argmax.len()];
    }
    for (pos, c) in argmax.iter_mut().enumerate() {
        if rng.random::<f64>() < share {
            let s = stored[draw_index(weights, total, rng)][pos];
            *c = if is_gap(s) { b'-' } else { s };
        }
    }
    argmax
}

/// A decoder bound to a family: the encoding and the stored sequences the samples attend to (in
/// the order of the memories).
pub struct Decoder<'a> {
    pub method: DecodeMethod,
    pub enc: &'a Encoding,
    pub stored: &'a [Vec<u8>],
    norms: Vec<f64>,
}

impl<'a> Decoder<'a> {
    /// Binds `method` to a family; the stored codes' norms are computed once here.
    ///
    /// # Panics
    /// On [`DecodeMethod::Calibrated`], which the caller resolves to its choice first.
    pub fn new(method: DecodeMethod, enc: &'a Encoding, stored: &'a [Vec<u8>]) -> Self {
        assert!(method != DecodeMethod::Calibrated, "Decoder: resolve the calibrated decode to its choice first");
        let norms = if method.needs_weights() { code_norms(enc, stored) } else { Vec::new() };
        Decoder { method, enc, stored, norms }
    }

    /// Decodes each column of `xi` (d × n); the random decoders draw from `rng`, sample by sample.
    /// `attention` gives the attention weights of the columns of `xi` as rows (n × K, over the
    /// stored sequences in order) at the method's β; it is called once, unless the decoder needs
    /// no weights (the published decode).
    ///
    /// # Panics
    /// If the weights are not n × K.
    pub fn decode<R: Rng + ?Sized>(
        &self,
        xi: ArrayView2<f64>,
        attention: impl FnOnce(ArrayView2<f64>) -> Array2<f64>,
        rng: &mut R,
    ) -> Vec<Vec<u8>> {
        if self.method == DecodeMethod::Published {
            return self.enc.decode(xi);
        }
        let p = attention(xi);
        assert_eq!(
            p.dim(),
            (xi.ncols(), self.stored.len()),
            "Decoder: weights of {} samples over {} stored sequences expected",
            xi.ncols(),
            self.stored.len()
        );
        let weights: Vec<Vec<f64>> = p.rows().into_iter().map(|r| r.to_vec()).collect();
        let scales: Vec<f64> = weights.iter().map(|w| restored_norm(w, &self.norms)).collect();
        match self.method {
            DecodeMethod::Published | DecodeMethod::Calibrated => unreachable!(),
            DecodeMethod::Norm { shrink } => decode_sampled(self.enc, xi, &scale_by(&scales, shrink), 0.0, rng),
            DecodeMethod::Sample { temperature, shrink } => {
                decode_sampled(self.enc, xi, &scale_by(&scales, shrink), temperature, rng)
            }
            DecodeMethod::Attention { segment, .. } => {
                weights.iter().map(|w| decode_attention_one(self.stored, w, segment, rng)).collect()
            }
            DecodeMethod::Mix { share, .. } => {
                let argmax = decode_sampled(self.enc, xi, &scale_by(&scales, DEFAULT_SHRINK), 0.0, rng);
                argmax.into_iter().zip(&weights).map(|(s, w)| mix_one(s, self.stored, w, share, rng)).collect()
            }
        }
    }
}

fn scale_by(v: &[f64], f: f64) -> Vec<f64> {
    v.iter().map(|x| x * f).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_parameters_print_in_exponent_form_and_parse_back() {
        for text in ["sample:1e-300", "norm:0.3", "attention:1:0.25", "mix:0.5:0.25", "sample:0.7:0.3", "attention:8"] {
            let d: DecodeMethod = text.parse().unwrap();
            assert_eq!(d.to_string(), text);
            assert_eq!(d.to_string().parse::<DecodeMethod>().unwrap(), d);
        }
        let d: DecodeMethod = "sample:0.000000000000000000001".parse().unwrap();
        assert_eq!(d.to_string(), "sample:1e-21");
        assert!(d.describe().ends_with("T = 1e-21"), "{}", d.describe());
        let mix: DecodeMethod = "mix:0.5:0.25".parse().unwrap();
        assert!(mix.describe().contains("at 0.25 × the method's β), but at a share 0.5 of"), "{}", mix.describe());
    }
}
