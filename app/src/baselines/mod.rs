//! Baselines every method is compared with: simple ones (bootstrap, Gaussian perturbation,
//! random convex combination, independent columns) and learned ones (GMM-PCA, VAE).

pub mod gmm;
pub mod simple;
pub mod vae;
