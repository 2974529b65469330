//! One colour per method, the same in every figure of both domains, and the embedded font.

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

/// Colour of a method id (Tableau-like palette; the sampler's retrieval/generation pairs share hues).
pub fn colour(id: &str) -> RGBColor {
    match id {
        "natural" | "historical" | "condition" => REFERENCE,
        "bootstrap" => RGBColor(127, 127, 127),
        "block_bootstrap" => RGBColor(140, 86, 75),
        "gaussian" => RGBColor(188, 189, 34),
        "convex" => RGBColor(23, 190, 207),
        "gmm_pca" => RGBColor(227, 119, 194),
        "vae" => RGBColor(148, 103, 189),
        "profile" => RGBColor(255, 127, 14),
        "exact" | "exact_ret" => RGBColor(44, 160, 44),
        "exact_gen" => RGBColor(120, 200, 100),
        "mala_ret" => RGBColor(120, 170, 220),
        "mala_gen" => RGBColor(240, 130, 130),
        "sa" | "sa_ret" => RGBColor(31, 119, 180),
        "sa_gen" | "sa_sequential" => RGBColor(214, 39, 40),
        "sa_regime" => RGBColor(255, 127, 14),
        _ => RGBColor(0, 128, 128),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn embedded_font_parses() {
        super::register_font();
    }

    #[test]
    fn methods_of_one_domain_have_distinct_colours() {
        let protein: Vec<&str> = std::iter::once("natural")
            .chain(crate::protein::ProteinMethod::ALL.map(crate::protein::ProteinMethod::id))
            .collect();
        let finance = ["historical", "bootstrap", "block_bootstrap", "exact", "sa", "sa_sequential", "sa_regime"];
        for ids in [&protein[..], &finance[..]] {
            for (i, a) in ids.iter().enumerate() {
                for b in &ids[i + 1..] {
                    assert_ne!(super::colour(a), super::colour(b), "{a} and {b}");
                }
            }
        }
    }
}
