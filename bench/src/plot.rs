//! The token-request timeline as a PNG: cumulative `/oauth/token` requests over the run, one
//! line per way of sharing the token.

use std::path::Path;

use plotters::prelude::*;

use crate::BoxError;
use crate::economy::TokenEconomy;

/// Fonts tried for the labels; without one the chart is drawn without text.
const FONT_CANDIDATES: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
];

/// Line colours, in the order of [`crate::economy::Mode::ALL`]: Redis blue, file green,
/// per-process memory orange, no cache red.
const COLORS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(214, 39, 40),
];

fn register_font() -> bool {
    for path in FONT_CANDIDATES {
        if let Ok(bytes) = std::fs::read(path) {
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok() {
                return true;
            }
        }
    }
    false
}

/// Draws `economy`'s timelines into `path` (1200 × 500): on the left the three cached modes
/// with the policy's expected count (grey dashes) and the physical limit (black dashes) as
/// steps over time, on the right the run without a cache on its own scale.
pub(crate) fn draw(economy: &TokenEconomy, path: &Path) -> Result<(), BoxError> {
    let text = register_font();
    let root = BitMapBackend::new(path, (1200, 500)).into_drawing_area();
    root.fill(&WHITE)?;
    let (left, right) = root.split_horizontally(760);
    let run_s = economy.run_s as f64;
    let cached_max = economy
        .runs
        .iter()
        .filter(|r| r.mode != "no_cache")
        .map(|r| r.token_requests)
        .chain([economy.expected_max])
        .max()
        .unwrap_or(1) as f64;
    let no_cache_max = economy.no_cache.max(1) as f64;

    let mut chart = ChartBuilder::on(&left);
    chart.margin(15);
    if text {
        chart
            .caption(
                "Token requests: shared Redis, shared file, memory per process",
                ("sans-serif", 18),
            )
            .x_label_area_size(35)
            .y_label_area_size(50);
    }
    let mut chart = chart.build_cartesian_2d(0.0..run_s, 0.0..cached_max * 1.1)?;
    let mut mesh = chart.configure_mesh();
    if text {
        mesh.x_desc("seconds")
            .y_desc("token requests")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{v:.0}"));
    } else {
        mesh.x_labels(0).y_labels(0);
    }
    mesh.draw()?;
    // The expected count grows by one per half lifetime; the physical limit by one per lifetime.
    let lifetime = economy.token_lifetime_s as f64;
    let steps = [
        (
            "expected (one per half lifetime)",
            lifetime / 2.0,
            RGBColor(150, 150, 150),
        ),
        ("physical limit (one per lifetime)", lifetime, BLACK),
    ];
    for (label, step, color) in steps {
        let mut pts = Vec::new();
        let mut t = 0.0;
        let mut n = 1.0;
        while t < run_s {
            pts.push((t, n));
            t = (t + step).min(run_s);
            pts.push((t, n));
            n += 1.0;
        }
        let series = chart.draw_series(DashedLineSeries::new(pts, 6, 4, color.stroke_width(1)))?;
        if text {
            series
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        }
    }
    for (i, run) in economy.runs.iter().enumerate() {
        if run.mode == "no_cache" {
            continue;
        }
        let color = COLORS[i % COLORS.len()];
        let series = chart.draw_series(LineSeries::new(
            run.timeline.iter().map(|&(t, n)| (t, n as f64)),
            color.stroke_width(2),
        ))?;
        if text {
            series
                .label(run.mode)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        }
    }
    if text {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperLeft)
            .draw()?;
    }

    let mut chart = ChartBuilder::on(&right);
    chart.margin(15);
    if text {
        chart
            .caption("No cache (a token per call)", ("sans-serif", 18))
            .x_label_area_size(35)
            .y_label_area_size(60);
    }
    let mut chart = chart.build_cartesian_2d(0.0..run_s, 0.0..no_cache_max * 1.1)?;
    let mut mesh = chart.configure_mesh();
    if text {
        mesh.x_desc("seconds")
            .y_desc("token requests")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{v:.0}"));
    } else {
        mesh.x_labels(0).y_labels(0);
    }
    mesh.draw()?;
    if let Some(run) = economy.runs.iter().find(|r| r.mode == "no_cache") {
        chart.draw_series(LineSeries::new(
            run.timeline.iter().map(|&(t, n)| (t, n as f64)),
            COLORS[3].stroke_width(2),
        ))?;
    }
    root.present()?;
    Ok(())
}
