//! Deterministic samples reproduced bit for bit by the Python reference scripts
//! (tests/reference/samples.py): a 64-bit LCG, u = (state >> 11) / 2^53. The finance tests
//! include this file too.

/// The generator.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Irwin–Hall: sum of 12 uniforms − 6 (mean 0, variance 1).
    pub fn normalish(&mut self) -> f64 {
        let mut s = 0.0;
        for _ in 0..12 {
            s += self.uniform();
        }
        s - 6.0
    }
}

/// One generated sample: `loc + scale * value` with value by `kind` ("unif", "norm", "tie").
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub seed: u64,
    pub n: usize,
    pub kind: &'static str,
    pub loc: f64,
    pub scale: f64,
}

impl Spec {
    pub fn sample(&self) -> Vec<f64> {
        let mut rng = Lcg(self.seed);
        (0..self.n)
            .map(|_| {
                let v = match self.kind {
                    "unif" => rng.uniform(),
                    "norm" => rng.normalish(),
                    "tie" => (rng.uniform() * 10.0).floor(),
                    other => panic!("unknown kind {other}"),
                };
                self.loc + self.scale * v
            })
            .collect()
    }
}
