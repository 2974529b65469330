//! The machine's f64 FMA ceiling, measured: what `satool bench` compares the sampler's products
//! with.

use std::time::Instant;

/// f64 GFLOP/s of independent FMAs on registers (16 accumulators, the widest vectors this CPU
/// has), run on every rayon thread at once and summed: the ceiling any f64 product can reach.
pub fn f64_fma_peak_gflops() -> Option<f64> {
    #[cfg(target_arch = "x86_64")]
    {
        let wide = std::arch::is_x86_feature_detected!("avx512f");
        let ymm = std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma");
        if !wide && !ymm {
            return None;
        }
        let iters = 50_000_000;
        let per_thread: Vec<f64> = rayon::broadcast(|_| {
            let t0 = Instant::now();
            // SAFETY: the features were detected above.
            let flops = unsafe {
                if wide {
                    fma_loop_512(iters)
                } else {
                    fma_loop_256(iters)
                }
            };
            flops / t0.elapsed().as_secs_f64()
        });
        Some(per_thread.iter().sum::<f64>() / 1e9)
    }
    #[cfg(not(target_arch = "x86_64"))]
    None
}

/// `$name(iters)`: 16 independent FMA chains on `$lanes`-wide registers; returns the flops.
macro_rules! fma_loop {
    ($name:ident, $features:literal, $lanes:literal, $set1:ident, $fma:ident) => {
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = $features)]
        unsafe fn $name(iters: usize) -> f64 {
            use std::arch::x86_64::*;
            let (b, c) = ($set1(0.999_999), $set1(1e-9));
            let mut acc = [$set1(1.0); 16];
            for _ in 0..iters {
                for a in acc.iter_mut() {
                    *a = $fma(*a, b, c);
                }
            }
            std::hint::black_box(acc);
            (iters * 16 * 2 * $lanes) as f64
        }
    };
}

fma_loop!(fma_loop_512, "avx512f", 8, _mm512_set1_pd, _mm512_fmadd_pd);
fma_loop!(fma_loop_256, "avx2,fma", 4, _mm256_set1_pd, _mm256_fmadd_pd);
