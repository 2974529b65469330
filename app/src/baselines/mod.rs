//! Baselines every method is compared with: simple ones (bootstrap, Gaussian perturbation,
//! random convex combination, independent columns) and learned ones (GMM-PCA, VAE).

pub mod gmm;
pub mod simple;
#[cfg(feature = "vae")]
pub mod vae;

/// Why `vae` cannot run in a build without the `vae` feature (which brings candle).
pub const VAE_NOT_BUILT: &str =
    "the VAE baseline is not in this build (satool-app was built without its default `vae` feature, which brings candle)";
