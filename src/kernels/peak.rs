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

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn fma_loop_512(iters: usize) -> f64 {
    use std::arch::x86_64::*;
    let (b, c) = (_mm512_set1_pd(0.999_999), _mm512_set1_pd(1e-9));
    let mut acc = [_mm512_set1_pd(1.0); 16];
    for _ in 0..iters {
        for a in acc.iter_mut() {
            *a = _mm512_fmadd_pd(*a, b, c);
        }
    }
    std::hint::black_box(acc);
    (iters * 16 * 16) as f64
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn fma_loop_256(iters: usize) -> f64 {
    use std::arch::x86_64::*;
    let (b, c) = (_mm256_set1_pd(0.999_999), _mm256_set1_pd(1e-9));
    let mut acc = [_mm256_set1_pd(1.0); 16];
    for _ in 0..iters {
        for a in acc.iter_mut() {
            *a = _mm256_fmadd_pd(*a, b, c);
        }
    }
    std::hint::black_box(acc);
    (iters * 16 * 8) as f64
}
