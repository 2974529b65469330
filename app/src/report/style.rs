//! One colour per method, the same in every figure of both domains, and the embedded font.

use crate::finance::FinanceMethod;
use crate::protein::ProteinMethod;
use plotters::style::RGBColor;
use std::sync::Once;

/// Family name the SVG text uses; the glyph metrics come from the embedded subset below.
pub const FONT: &str = "DejaVu Sans";
const FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-subset.ttf");

/// Registers the embedded font with plotters (once per process).
pub fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are compiled in and parsed by a unit test, so this cannot fail at run time.
        plotters::style::register_font(FONT, plotters::style::FontStyle::Normal, FONT_BYTES)
            .unwrap_or_else(|_| unreachable!("embedded font is a valid TrueType file"));
    });
}

/// The reference data (natural family, historical days, a conditioned subset).
pub const REFERENCE: RGBColor = RGBColor(20, 20, 20);

/// Colour of a protein method (Tableau-like palette; retrieval/generation pairs share hues).
pub fn protein_colour(m: ProteinMethod) -> RGBColor {
    match m {
        ProteinMethod::Natural => REFERENCE,
        ProteinMethod::Bootstrap => GREY,
        ProteinMethod::Gaussian => RGBColor(188, 189, 34),
        ProteinMethod::Convex => RGBColor(23, 190, 207),
        ProteinMethod::GmmPca => RGBColor(227, 119, 194),
        ProteinMethod::Vae => RGBColor(148, 103, 189),
        ProteinMethod::Profile => ORANGE,
        ProteinMethod::ExactRet => GREEN,
        ProteinMethod::ExactGen => RGBColor(120, 200, 100),
        ProteinMethod::MalaRet => RGBColor(120, 170, 220),
        ProteinMethod::MalaGen => RGBColor(240, 130, 130),
        ProteinMethod::SaRet => BLUE,
        ProteinMethod::SaGen => RED,
    }
}

/// Colour of a finance method, in the same palette (the i.i.d. and sequential samplers take
/// the protein retrieval and generation hues).
pub fn finance_colour(m: FinanceMethod) -> RGBColor {
    match m {
        FinanceMethod::Historical => REFERENCE,
        FinanceMethod::Bootstrap => GREY,
        FinanceMethod::BlockBootstrap => RGBColor(140, 86, 75),
        FinanceMethod::GarchFhs => RGBColor(227, 119, 194),
        FinanceMethod::Exact => GREEN,
        FinanceMethod::Sa => BLUE,
        FinanceMethod::SaSequential => RED,
        FinanceMethod::SaRegime => ORANGE,
        FinanceMethod::SaPaths => RGBColor(148, 103, 189),
    }
}

const GREY: RGBColor = RGBColor(127, 127, 127);
const ORANGE: RGBColor = RGBColor(255, 127, 14);
const GREEN: RGBColor = RGBColor(44, 160, 44);
const BLUE: RGBColor = RGBColor(31, 119, 180);
const RED: RGBColor = RGBColor(214, 39, 40);

/// Colour of a row id: a method of either registry, the reference data (`natural`,
/// `condition`), or teal for anything else (an `--evaluate` file).
pub fn colour(id: &str) -> RGBColor {
    if let Ok(m) = id.parse::<ProteinMethod>() {
        return protein_colour(m);
    }
    if let Ok(m) = id.parse::<FinanceMethod>() {
        return finance_colour(m);
    }
    match id {
        "natural" | "condition" => REFERENCE,
        _ => RGBColor(0, 128, 128),
    }
}

#[cfg(test)]
mod tests {
    use crate::finance::FinanceMethod;
    use crate::protein::ProteinMethod;

    #[test]
    fn embedded_font_parses() {
        super::register_font();
    }

    #[test]
    fn methods_of_one_domain_have_distinct_colours() {
        let protein: Vec<&str> = ProteinMethod::ALL.map(ProteinMethod::id).to_vec();
        let finance: Vec<&str> = FinanceMethod::ALL.map(FinanceMethod::id).to_vec();
        for ids in [&protein[..], &finance[..]] {
            for (i, a) in ids.iter().enumerate() {
                for b in &ids[i + 1..] {
                    assert_ne!(super::colour(a), super::colour(b), "{a} and {b}");
                }
            }
        }
    }
}
