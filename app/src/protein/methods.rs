//! The protein methods, listed once: id, label and how each generates. The table order, the
//! `--methods` list, the report and results.json all read this registry.

use satool::{Kernel, OperatingPoints};
use std::fmt;
use std::str::FromStr;

/// One generator of the comparison table (the references and the sampler at two temperatures).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProteinMethod {
    Natural,
    Bootstrap,
    Gaussian,
    Convex,
    GmmPca,
    Vae,
    Profile,
    ExactRet,
    ExactGen,
    MalaRet,
    SaRet,
    MalaGen,
    SaGen,
}

/// Which of the family's two operating temperatures a method samples at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Temperature {
    /// β_ret = round(20β*): deep in retrieval.
    Retrieval,
    /// β_gen = round(2β*): at the foot of the entropy transition.
    Generation,
}

impl Temperature {
    /// The inverse temperature this stands for in a family's operating points.
    pub fn beta(self, ops: &OperatingPoints) -> f64 {
        match self {
            Temperature::Retrieval => ops.beta_ret,
            Temperature::Generation => ops.beta_gen,
        }
    }
}

/// How a method produces its samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipe {
    /// Stored sequences drawn with replacement, neither encoded nor decoded: the finite-sample
    /// ceiling of every sequence metric.
    Natural,
    /// Stored memories drawn with replacement (then decoded like every memory-space sample).
    Bootstrap,
    /// Stored memories plus Gaussian noise of the Langevin noise scale at β_ret.
    GaussianPerturbation,
    /// Random convex combinations of stored memories.
    ConvexCombination,
    /// A Gaussian mixture fitted in a PCA space of the memories.
    GmmPca,
    /// A small variational autoencoder trained on the memories.
    Vae,
    /// Residues drawn column by column from the family's frequencies (sequence space).
    IndependentColumns,
    /// Exact draws from the Boltzmann mixture.
    Exact(Temperature),
    /// Langevin chains with this kernel (the published protocol).
    Chains(Temperature, Kernel),
}

impl ProteinMethod {
    /// Every method, in table order (the default `--methods` of a build with every feature).
    pub const ALL: [ProteinMethod; 13] = [
        ProteinMethod::Natural,
        ProteinMethod::Bootstrap,
        ProteinMethod::Gaussian,
        ProteinMethod::Convex,
        ProteinMethod::GmmPca,
        ProteinMethod::Vae,
        ProteinMethod::Profile,
        ProteinMethod::ExactRet,
        ProteinMethod::ExactGen,
        ProteinMethod::MalaRet,
        ProteinMethod::SaRet,
        ProteinMethod::MalaGen,
        ProteinMethod::SaGen,
    ];

    /// Whether this build has the method: `vae` needs the `vae` feature (candle).
    pub fn is_built(self) -> bool {
        self != ProteinMethod::Vae || cfg!(feature = "vae")
    }

    /// The default `--methods`: every method of this build, in table order.
    pub fn defaults() -> Vec<ProteinMethod> {
        Self::ALL.into_iter().filter(|m| m.is_built()).collect()
    }

    /// The id used on the command line, in results.json, in file names, and as the name of the
    /// method's random stream (so changing one changes its samples).
    pub fn id(self) -> &'static str {
        match self {
            ProteinMethod::Natural => "natural",
            ProteinMethod::Bootstrap => "bootstrap",
            ProteinMethod::Gaussian => "gaussian",
            ProteinMethod::Convex => "convex",
            ProteinMethod::GmmPca => "gmm_pca",
            ProteinMethod::Vae => "vae",
            ProteinMethod::Profile => "profile",
            ProteinMethod::ExactRet => "exact_ret",
            ProteinMethod::ExactGen => "exact_gen",
            ProteinMethod::MalaRet => "mala_ret",
            ProteinMethod::SaRet => "sa_ret",
            ProteinMethod::MalaGen => "mala_gen",
            ProteinMethod::SaGen => "sa_gen",
        }
    }

    /// The table's description, which names the temperature for the sampler methods.
    pub fn label(self, ops: &OperatingPoints) -> String {
        let (r, g) = (ops.beta_ret, ops.beta_gen);
        match self {
            ProteinMethod::Natural => "Natural seqs (resampled)".into(),
            ProteinMethod::Bootstrap => "Bootstrap (decoded memory)".into(),
            ProteinMethod::Gaussian => "Gaussian perturbation".into(),
            ProteinMethod::Convex => "Random convex comb.".into(),
            ProteinMethod::GmmPca => "GMM-PCA".into(),
            ProteinMethod::Vae => "VAE (latent 8)".into(),
            ProteinMethod::Profile => "Profile (independent sites)".into(),
            ProteinMethod::ExactRet => format!("Exact mixture β={r}"),
            ProteinMethod::ExactGen => format!("Exact mixture β={g}"),
            ProteinMethod::MalaRet => format!("MALA β={r}"),
            ProteinMethod::SaRet => format!("SA β={r} (retrieval)"),
            ProteinMethod::MalaGen => format!("MALA β={g}"),
            ProteinMethod::SaGen => format!("SA β={g} (generation)"),
        }
    }

    /// How the method generates.
    pub fn recipe(self) -> Recipe {
        use Temperature::{Generation, Retrieval};
        match self {
            ProteinMethod::Natural => Recipe::Natural,
            ProteinMethod::Bootstrap => Recipe::Bootstrap,
            ProteinMethod::Gaussian => Recipe::GaussianPerturbation,
            ProteinMethod::Convex => Recipe::ConvexCombination,
            ProteinMethod::GmmPca => Recipe::GmmPca,
            ProteinMethod::Vae => Recipe::Vae,
            ProteinMethod::Profile => Recipe::IndependentColumns,
            ProteinMethod::ExactRet => Recipe::Exact(Retrieval),
            ProteinMethod::ExactGen => Recipe::Exact(Generation),
            ProteinMethod::MalaRet => Recipe::Chains(Retrieval, Kernel::Mala),
            ProteinMethod::SaRet => Recipe::Chains(Retrieval, Kernel::Ula),
            ProteinMethod::MalaGen => Recipe::Chains(Generation, Kernel::Mala),
            ProteinMethod::SaGen => Recipe::Chains(Generation, Kernel::Ula),
        }
    }

    /// Every id in table order, comma-separated (for help texts and messages).
    pub fn id_list() -> String {
        Self::ALL.map(Self::id).join(", ")
    }
}

impl fmt::Display for ProteinMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A method id that is not in the registry; the message lists the valid ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown method '{0}' (valid: {list})", list = ProteinMethod::id_list())]
pub struct UnknownMethod(pub String);

impl FromStr for ProteinMethod {
    type Err = UnknownMethod;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|m| m.id() == s).ok_or_else(|| UnknownMethod(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_distinct_and_parse_back() {
        for m in ProteinMethod::ALL {
            assert_eq!(m.id().parse::<ProteinMethod>(), Ok(m));
            assert_eq!(ProteinMethod::ALL.iter().filter(|o| o.id() == m.id()).count(), 1, "{m}");
        }
        let err = "foo".parse::<ProteinMethod>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown method 'foo' (valid: natural, bootstrap, gaussian, convex, gmm_pca, vae, profile, exact_ret, exact_gen, \
             mala_ret, sa_ret, mala_gen, sa_gen)"
        );
    }

    #[test]
    fn defaults_are_the_methods_of_this_build() {
        let defaults = ProteinMethod::defaults();
        assert_eq!(defaults.contains(&ProteinMethod::Vae), cfg!(feature = "vae"));
        assert_eq!(defaults.len(), ProteinMethod::ALL.len() - usize::from(!cfg!(feature = "vae")));
        assert!(ProteinMethod::ALL.iter().filter(|m| !m.is_built()).all(|&m| m == ProteinMethod::Vae));
    }

    #[test]
    fn labels_name_the_temperature() {
        let ops = OperatingPoints::from_beta_star(2.0);
        assert_eq!(ProteinMethod::SaGen.label(&ops), "SA β=4 (generation)");
        assert_eq!(ProteinMethod::ExactRet.label(&ops), "Exact mixture β=40");
        assert_eq!(ProteinMethod::SaGen.recipe(), Recipe::Chains(Temperature::Generation, Kernel::Ula));
        assert_eq!(Temperature::Generation.beta(&ops), 4.0);
    }
}
