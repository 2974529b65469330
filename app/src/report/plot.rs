//! Figures as SVG strings: grids of x–y panels (lines, points, bars, reference lines, bands) and
//! heatmaps. Text is measured with the embedded DejaVu Sans subset, so the layout is the same on
//! every machine. Log axes are drawn as linear axes over log10 of the data with 10ⁿ tick labels,
//! which keeps one code path for both.

use super::style::{self, FONT};
use anyhow::{anyhow, bail, Result};
use plotters::prelude::*;
use plotters::style::colors::colormaps::ViridisRGB;

/// How a series is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mark {
    Line,
    Dashed,
    /// Filled circles of this radius (pixels).
    Points(u32),
    /// Bars from 0 to y, centred on x, of this width in data units.
    Bars(f64),
}

#[derive(Clone, Debug)]
pub struct Series {
    pub label: String,
    pub colour: RGBColor,
    pub points: Vec<(f64, f64)>,
    pub mark: Mark,
}

impl Series {
    pub fn new(label: impl Into<String>, colour: RGBColor, points: Vec<(f64, f64)>, mark: Mark) -> Self {
        Series { label: label.into(), colour, points, mark }
    }
}

/// A labelled vertical reference line.
#[derive(Clone, Debug)]
pub struct VLine {
    pub x: f64,
    pub label: String,
    pub colour: RGBColor,
}

#[derive(Clone, Debug, Default)]
pub struct Panel {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub x_log: bool,
    pub y_log: bool,
    pub series: Vec<Series>,
    pub vlines: Vec<VLine>,
    /// Shaded band |y| ≤ b with dashed edges (e.g. a 99% white-noise band).
    pub band: Option<f64>,
    /// Draw y = x across the panel.
    pub diagonal: bool,
    /// Fixed ranges; otherwise from the data with a small margin.
    pub x_range: Option<(f64, f64)>,
    pub y_range: Option<(f64, f64)>,
    pub legend: bool,
    /// Legend in the upper-left corner instead of the upper-right (where the data leave it free).
    pub legend_left: bool,
    /// Same range on both axes (for generated-vs-reference scatter).
    pub square: bool,
    /// Write each point series' label next to its points (instead of, or besides, a legend).
    pub annotate: bool,
}

/// A grid of panels, `cols` wide, each `size` pixels.
pub fn grid(panels: &[Panel], cols: usize, size: (u32, u32)) -> Result<String> {
    style::register_font();
    if panels.is_empty() || cols == 0 {
        bail!("a figure needs at least one panel");
    }
    let rows = panels.len().div_ceil(cols);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (size.0 * cols as u32, size.1 * rows as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(pe)?;
        for (area, panel) in root.split_evenly((rows, cols)).iter().zip(panels) {
            draw_panel(area, panel)?;
        }
        root.present().map_err(pe)?;
    }
    Ok(svg)
}

fn pe<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("drawing a figure: {e:?}")
}

fn to_axis(v: f64, log: bool) -> Option<f64> {
    let t = if log {
        if v > 0.0 {
            v.log10()
        } else {
            return None;
        }
    } else {
        v
    };
    t.is_finite().then_some(t)
}

/// Data range in axis units, widened by 4% (or to a unit interval when flat).
fn axis_range(values: impl Iterator<Item = f64>, fixed: Option<(f64, f64)>, log: bool) -> (f64, f64) {
    if let Some((a, b)) = fixed {
        let (a, b) = (to_axis(a, log).unwrap_or(-1.0), to_axis(b, log).unwrap_or(1.0));
        return (a, b);
    }
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        return (lo - 0.5, hi + 0.5);
    }
    let pad = 0.04 * (hi - lo);
    (lo - pad, hi + pad)
}

/// Tick label: short decimal for linear axes, the power of ten for log axes.
fn tick(v: f64, log: bool) -> String {
    if log {
        let value = 10f64.powf(v);
        if (v - v.round()).abs() > 1e-9 {
            return String::new();
        }
        return if (1e-2..=1e4).contains(&value) {
            trim(value)
        } else {
            format!("10{}", superscript(v.round() as i64))
        };
    }
    trim(v)
}

fn trim(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.replace('-', "−")
    }
}

fn superscript(n: i64) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let mut s: String = n.unsigned_abs().to_string().chars().map(|c| DIGITS[c as usize - '0' as usize]).collect();
    if n < 0 {
        s.insert(0, '⁻');
    }
    s
}

/// The chart of one panel: plotters' context over f64 × f64 axes.
type Chart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// The panel's axis ranges (x0, x1, y0, y1), in axis units (log10 on a log axis): the data, the
/// vertical lines, the band and a bar chart's floor at 0; equal axes for a square panel.
fn panel_ranges(p: &Panel, data: &[Vec<(f64, f64)>]) -> (f64, f64, f64, f64) {
    let bar_floor = p.series.iter().any(|s| matches!(s.mark, Mark::Bars(_)));
    let xs = data.iter().flatten().map(|q| q.0).chain(p.vlines.iter().filter_map(|v| to_axis(v.x, p.x_log)));
    let (x0, x1) = axis_range(xs, p.x_range, p.x_log);
    let band = p.band.filter(|_| !p.y_log);
    let ys = data
        .iter()
        .flatten()
        .map(|q| q.1)
        .chain(band.into_iter().flat_map(|b| [-b, b]))
        .chain(bar_floor.then_some(0.0));
    let (mut y0, y1) = axis_range(ys, p.y_range, p.y_log);
    if bar_floor && p.y_range.is_none() && !p.y_log {
        y0 = 0.0;
    }
    if p.square {
        (x0.min(y0), x1.max(y1), x0.min(y0), x1.max(y1))
    } else {
        (x0, x1, y0, y1)
    }
}

/// The band ±b, the diagonal and the vertical lines (with their legend entries).
fn draw_guides(chart: &mut Chart, p: &Panel, (x0, x1, y0, y1): (f64, f64, f64, f64)) -> Result<()> {
    if let Some(b) = p.band.filter(|_| !p.y_log) {
        let grey = RGBColor(150, 150, 150);
        chart.draw_series(std::iter::once(Rectangle::new([(x0, -b), (x1, b)], grey.mix(0.15).filled()))).map_err(pe)?;
        for y in [-b, b] {
            chart.draw_series(DashedLineSeries::new(vec![(x0, y), (x1, y)], 4, 3, grey.stroke_width(1))).map_err(pe)?;
        }
    }
    if p.diagonal {
        let (a, b) = (x0.max(y0), x1.min(y1));
        if a < b {
            let grey = RGBColor(120, 120, 120);
            chart.draw_series(DashedLineSeries::new(vec![(a, a), (b, b)], 5, 4, grey.stroke_width(1))).map_err(pe)?;
        }
    }
    for v in &p.vlines {
        let Some(x) = to_axis(v.x, p.x_log) else { continue };
        let c = v.colour;
        let ann =
            chart.draw_series(DashedLineSeries::new(vec![(x, y0), (x, y1)], 6, 4, c.stroke_width(2))).map_err(pe)?;
        if !v.label.is_empty() {
            ann.label(v.label.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
        }
    }
    Ok(())
}

/// Each series as its mark (line, dashes, points or bars from `y0`), with its legend entry.
fn draw_marks(chart: &mut Chart, p: &Panel, data: &[Vec<(f64, f64)>], y0: f64) -> Result<()> {
    for (s, d) in p.series.iter().zip(data) {
        let c = s.colour;
        let ann = match s.mark {
            Mark::Line => chart.draw_series(LineSeries::new(d.iter().copied(), c.stroke_width(2))).map_err(pe)?,
            Mark::Dashed => {
                chart.draw_series(DashedLineSeries::new(d.iter().copied(), 5, 3, c.stroke_width(2))).map_err(pe)?
            }
            Mark::Points(r) => {
                chart.draw_series(d.iter().map(|&q| Circle::new(q, r, c.mix(0.6).filled()))).map_err(pe)?
            }
            Mark::Bars(w) => chart
                .draw_series(d.iter().map(|&(x, y)| {
                    Rectangle::new([(x - w / 2.0, y0.max(0.0).min(y)), (x + w / 2.0, y)], c.mix(0.75).filled())
                }))
                .map_err(pe)?,
        };
        if !s.label.is_empty() {
            if matches!(s.mark, Mark::Line | Mark::Dashed) {
                ann.label(s.label.as_str())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
            } else {
                ann.label(s.label.as_str())
                    .legend(move |(x, y)| Rectangle::new([(x, y - 4), (x + 14, y + 4)], c.filled()));
            }
        }
    }
    Ok(())
}

/// Labels every point of a labelled point series. Greedy placement: the first offset whose box
/// overlaps no point and no label placed so far.
fn annotate_points(chart: &mut Chart, p: &Panel, data: &[Vec<(f64, f64)>]) -> Result<()> {
    let boxes_of = |s: &Series, d: &[(f64, f64)]| -> Vec<(i32, i32, i32, i32)> {
        let r = if let Mark::Points(r) = s.mark { r as i32 + 1 } else { 0 };
        d.iter().map(|q| chart.backend_coord(q)).map(|(x, y)| (x - r, y - r, x + r, y + r)).collect()
    };
    let mut placed: Vec<(i32, i32, i32, i32)> = p.series.iter().zip(data).flat_map(|(s, d)| boxes_of(s, d)).collect();
    let mut labels = Vec::new();
    for (s, d) in p.series.iter().zip(data) {
        if s.label.is_empty() || !matches!(s.mark, Mark::Points(_)) {
            continue;
        }
        for &q in d {
            let (px, py) = chart.backend_coord(&q);
            let (w, h) = (7 * s.label.chars().count() as i32, 13);
            let offsets =
                [(9, -7), (-w - 9, -7), (-w / 2, -22), (-w / 2, 9), (9, -20), (9, 6), (-w - 9, -20), (-w - 9, 6)];
            let (dx, dy) = offsets
                .iter()
                .copied()
                .find(|&(dx, dy)| {
                    let b = (px + dx, py + dy, px + dx + w, py + dy + h);
                    placed.iter().all(|o| b.2 <= o.0 || o.2 <= b.0 || b.3 <= o.1 || o.3 <= b.1)
                })
                .unwrap_or(offsets[0]);
            placed.push((px + dx, py + dy, px + dx + w, py + dy + h));
            labels.push((q, s.label.clone(), (dx, dy)));
        }
    }
    chart
        .draw_series(
            labels.into_iter().map(|(q, l, off)| EmptyElement::at(q) + Text::new(l, off, (FONT, 11).into_font())),
        )
        .map_err(pe)?;
    Ok(())
}

fn draw_panel(area: &DrawingArea<SVGBackend, plotters::coord::Shift>, p: &Panel) -> Result<()> {
    let pts = |s: &Series| -> Vec<(f64, f64)> {
        s.points.iter().filter_map(|&(x, y)| Some((to_axis(x, p.x_log)?, to_axis(y, p.y_log)?))).collect()
    };
    let data: Vec<Vec<(f64, f64)>> = p.series.iter().map(pts).collect();
    let (x0, x1, y0, y1) = panel_ranges(p, &data);
    let mut chart = ChartBuilder::on(area)
        .caption(&p.title, (FONT, 15))
        .margin(10)
        .x_label_area_size(38)
        .y_label_area_size(52)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(pe)?;
    let (xl, yl) = (p.x_log, p.y_log);
    chart
        .configure_mesh()
        .x_desc(p.x_label.as_str())
        .y_desc(p.y_label.as_str())
        .x_label_formatter(&|v| tick(*v, xl))
        .y_label_formatter(&|v| tick(*v, yl))
        .x_labels(if xl { ((x1 - x0).ceil() as usize + 1).max(3) } else { 6 })
        .y_labels(if yl { ((y1 - y0).ceil() as usize + 1).max(3) } else { 6 })
        .label_style((FONT, 11))
        .axis_desc_style((FONT, 12))
        .bold_line_style(RGBColor(225, 225, 225))
        .light_line_style(WHITE)
        .draw()
        .map_err(pe)?;
    draw_guides(&mut chart, p, (x0, x1, y0, y1))?;
    draw_marks(&mut chart, p, &data, y0)?;
    if p.annotate {
        annotate_points(&mut chart, p, &data)?;
    }
    if p.legend {
        chart
            .configure_series_labels()
            .position(if p.legend_left { SeriesLabelPosition::UpperLeft } else { SeriesLabelPosition::UpperRight })
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .label_font((FONT, 11))
            .draw()
            .map_err(pe)?;
    }
    Ok(())
}

/// One heatmap: `values[row][col]`, rows labelled (e.g. residues), columns numbered from 1.
pub struct Heatmap {
    pub title: String,
    pub values: Vec<Vec<f64>>,
}

/// The colour bar beside heatmaps: viridis over [0, vmax], labelled `scale_label`.
fn colour_bar(bar: &DrawingArea<SVGBackend, plotters::coord::Shift>, scale_label: &str, vmax: f64) -> Result<()> {
    let mut chart = ChartBuilder::on(bar)
        .margin_top(35)
        .margin_bottom(48)
        .margin_right(40)
        .y_label_area_size(0)
        .right_y_label_area_size(40)
        .caption(scale_label, (FONT, 11))
        .build_cartesian_2d(0.0..1.0, 0.0..vmax)
        .map_err(pe)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(5)
        .y_label_formatter(&|v| trim(*v))
        .label_style((FONT, 10))
        .draw()
        .map_err(pe)?;
    let steps = 64;
    chart
        .draw_series((0..steps).map(|i| {
            let (a, b) = (vmax * i as f64 / steps as f64, vmax * (i + 1) as f64 / steps as f64);
            Rectangle::new([(0.0, a), (1.0, b)], ViridisRGB::get_color_normalized((a + b) / 2.0, 0.0, vmax).filled())
        }))
        .map_err(pe)?;
    Ok(())
}

/// Heatmaps side by side on one colour scale [0, vmax] (viridis), with a colour bar.
pub fn heatmaps(
    maps: &[Heatmap],
    row_labels: &[String],
    x_label: &str,
    scale_label: &str,
    size: (u32, u32),
) -> Result<String> {
    style::register_font();
    let rows = row_labels.len();
    let cols = maps.first().and_then(|m| m.values.first()).map_or(0, |r| r.len());
    if maps.is_empty()
        || rows == 0
        || cols == 0
        || maps.iter().any(|m| m.values.len() != rows || m.values.iter().any(|r| r.len() != cols))
    {
        bail!("heatmaps need equal, non-empty matrices with one label per row");
    }
    let vmax = maps.iter().flat_map(|m| m.values.iter().flatten()).fold(0.0f64, |a, &v| a.max(v)).max(1e-12);
    let bar_width = 90;
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (size.0 * maps.len() as u32 + bar_width, size.1)).into_drawing_area();
        root.fill(&WHITE).map_err(pe)?;
        let (plots, bar) = root.split_horizontally(size.0 * maps.len() as u32);
        for (area, m) in plots.split_evenly((1, maps.len())).iter().zip(maps) {
            let mut chart = ChartBuilder::on(area)
                .caption(&m.title, (FONT, 15))
                .margin(10)
                .x_label_area_size(38)
                .y_label_area_size(30)
                .build_cartesian_2d(0.0..cols as f64, 0.0..rows as f64)
                .map_err(pe)?;
            chart
                .configure_mesh()
                .disable_mesh()
                .x_desc(x_label)
                .x_labels(8)
                .x_label_formatter(&|v| {
                    if v.fract() == 0.0 && *v >= 1.0 {
                        format!("{}", *v as usize)
                    } else {
                        String::new()
                    }
                })
                .y_labels(rows * 2 + 1)
                .y_label_formatter(&|v| {
                    let i = (v - 0.5).round();
                    if (v - 0.5 - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < rows {
                        row_labels[rows - 1 - i as usize].clone()
                    } else {
                        String::new()
                    }
                })
                .label_style((FONT, 10))
                .axis_desc_style((FONT, 12))
                .draw()
                .map_err(pe)?;
            let cells = m.values.iter().enumerate().flat_map(|(r, row)| {
                let y = (rows - 1 - r) as f64;
                row.iter().enumerate().map(move |(c, &v)| {
                    Rectangle::new(
                        [(c as f64, y), (c as f64 + 1.0, y + 1.0)],
                        ViridisRGB::get_color_normalized(v, 0.0, vmax).filled(),
                    )
                })
            });
            chart.draw_series(cells).map_err(pe)?;
        }
        colour_bar(&bar, scale_label, vmax)?;
        root.present().map_err(pe)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_read_as_numbers() {
        assert_eq!(tick(-1.0, true), "0.1");
        assert_eq!(tick(2.0, true), "100");
        assert_eq!(tick(-4.0, true), "10⁻⁴");
        assert_eq!(tick(0.5, true), "");
        assert_eq!(tick(0.30000000000000004, false), "0.3");
        assert_eq!(tick(-0.02, false), "−0.02");
    }

    #[test]
    fn log_axes_drop_non_positive_values() {
        assert_eq!(to_axis(0.0, true), None);
        assert_eq!(to_axis(100.0, true), Some(2.0));
        assert_eq!(to_axis(-3.0, false), Some(-3.0));
    }

    #[test]
    fn a_grid_is_an_svg_with_its_text() {
        let p = Panel {
            title: "t".into(),
            x_label: "x (units)".into(),
            y_label: "y".into(),
            series: vec![Series::new("series-a", RGBColor(1, 2, 3), vec![(0.0, 1.0), (1.0, 2.0)], Mark::Line)],
            legend: true,
            ..Default::default()
        };
        let svg = grid(&[p.clone(), p], 2, (300, 200)).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("x (units)") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("series-a").count(), 2, "one legend entry per panel");
        roxmltree::Document::parse(&svg).unwrap();
    }
}
