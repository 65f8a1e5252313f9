//! The book's figures: loss and perplexity curves, the decision boundary,
//! words in the plane.

use std::path::Path;
use std::sync::Once;

use ndarray::Array2;
use nn_core::{Error, Float, Result, Sequential};
use nn_train::{Record, predict_classes};
use plotters::coord::ReverseCoordTranslate;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

/// Image size of both figures, in pixels.
pub const SIZE: (u32, u32) = (800, 600);

/// matplotlib's first three colours, as the book's figures have them.
const CLASS_COLORS: [RGBColor; 3] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
];

/// Registers the embedded DejaVu Sans as plotters' "sans-serif", once: no
/// system fonts or fontconfig are needed.
fn fonts() -> Result<()> {
    static ONCE: Once = Once::new();
    let mut result = Ok(());
    ONCE.call_once(|| {
        result = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        )
        .map_err(|_| Error::invalid("plot", "the embedded DejaVu Sans font did not load"));
    });
    result
}

fn plot_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::file(path, format!("cannot draw: {e}"))
}

/// Writes the loss curve (x: records, y: mean loss), as the book's
/// `trainer.plot()`, to a PNG; atomically, through a temporary file.
///
/// # Errors
/// No records to plot, or the file cannot be written.
pub fn loss_curve(path: &Path, history: &[Record], eval_interval: usize) -> Result<()> {
    let losses: Vec<f64> = history.iter().map(|r| r.loss).collect();
    curve(
        path,
        "training loss",
        &format!("iterations (x{eval_interval})"),
        "loss",
        &losses,
    )
}

/// Writes one series (`values[i]` at `x = i`) with the book's look: the
/// title, the axes' names, a legend `train`; to a PNG, atomically.
///
/// # Errors
/// No values to plot, or the file cannot be written.
pub fn curve(path: &Path, title: &str, x_desc: &str, y_desc: &str, values: &[f64]) -> Result<()> {
    curve_up_to(path, title, x_desc, y_desc, values, None)
}

/// As [`curve`], with the y axis cut at `y_max` (the book's `plt.ylim(0,
/// 500)`: the first perplexities of a language model are near the
/// vocabulary's size and would flatten the rest).
///
/// # Errors
/// As [`curve`].
pub fn curve_up_to(
    path: &Path,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    values: &[f64],
    y_max: Option<f64>,
) -> Result<()> {
    fonts()?;
    if values.is_empty() {
        return Err(Error::file(
            path,
            "no values to plot (train for at least one interval)",
        ));
    }
    let max = y_max.unwrap_or_else(|| values.iter().copied().fold(0.0, f64::max) * 1.05);
    let n = values.len();
    render(path, |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 28))
            .margin(20)
            .x_label_area_size(55)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..n.max(2) as f64 - 1.0, 0f64..max.max(1e-3))?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| tick(*v))
            .label_style(("sans-serif", 18))
            .axis_desc_style(("sans-serif", 20))
            .draw()?;
        chart
            .draw_series(LineSeries::new(
                values
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| (i as f64, v.min(max))),
                CLASS_COLORS[0].stroke_width(2),
            ))?
            .label("train")
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], CLASS_COLORS[0].stroke_width(2))
            });
        chart
            .configure_series_labels()
            .label_font(("sans-serif", 18))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .draw()?;
        Ok(())
    })
}

/// Writes the class regions of `model` over the plane with the samples on
/// top (o, x and ^ per class, as the book), to a PNG.
///
/// Every pixel of the plot is classified, in BLAS batches; with `grid_step`
/// the coordinates are first snapped to the book's `meshgrid` of that step
/// (the book uses 0.001), which changes the look, not the cost.
///
/// # Errors
/// A non-positive grid step, a model error, or the file cannot be written.
pub fn decision_boundary<F: Float>(
    path: &Path,
    model: &mut Sequential<F>,
    x: &Array2<f64>,
    t: &[usize],
    grid_step: Option<f64>,
) -> Result<()> {
    fonts()?;
    if let Some(h) = grid_step
        && !(h.is_finite() && h > 0.0)
    {
        return Err(Error::invalid(
            "decision_boundary",
            format!("grid_step must be positive, got {h}"),
        ));
    }
    let range = |col: usize| {
        let (lo, hi) = x
            .column(col)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        (lo - 0.1)..(hi + 0.1)
    };
    let (xr, yr) = (range(0), range(1));
    let snap = |v: f64, lo: f64| match grid_step {
        Some(h) => lo + ((v - lo) / h).floor() * h,
        None => v,
    };

    let mut failure = None;
    render(path, |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("decision boundary", ("sans-serif", 28))
            .margin(20)
            .x_label_area_size(55)
            .y_label_area_size(70)
            .build_cartesian_2d(xr.clone(), yr.clone())?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("x₁")
            .y_desc("x₂")
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .label_style(("sans-serif", 18))
            .axis_desc_style(("sans-serif", 20))
            .draw()?;

        // Classify the centre of every pixel of the plotting area.
        let area = chart.plotting_area();
        let (px, py) = area.get_pixel_range();
        let spec: &Cartesian2d<RangedCoordf64, RangedCoordf64> = area.as_coord_spec();
        let pixels: Vec<(i32, i32)> = py
            .clone()
            .flat_map(|y| px.clone().map(move |x| (x, y)))
            .collect();
        let mut grid = Array2::<F>::zeros((pixels.len(), 2));
        for (row, &(x, y)) in pixels.iter().enumerate() {
            let (u, v) = spec
                .reverse_translate((x, y))
                .unwrap_or((xr.start, yr.start));
            grid[[row, 0]] = F::from_f64(snap(u, xr.start));
            grid[[row, 1]] = F::from_f64(snap(v, yr.start));
        }
        let classes = match predict_classes(model, grid.view(), 8192) {
            Ok(c) => c,
            Err(e) => {
                failure = Some(e);
                return Ok(());
            }
        };
        let screen = area.use_screen_coord();
        for (&pixel, &class) in pixels.iter().zip(&classes) {
            let color = CLASS_COLORS[class % CLASS_COLORS.len()].mix(0.25);
            screen.draw_pixel(pixel, &color)?;
        }

        for (class, &color) in CLASS_COLORS.iter().enumerate() {
            let points = x
                .rows()
                .into_iter()
                .zip(t)
                .filter(|(_, c)| **c == class)
                .map(|(r, _)| (r[0], r[1]));
            let label = format!("class {class}");
            match class {
                0 => chart
                    .draw_series(points.map(|p| Circle::new(p, 5, color.stroke_width(2))))?
                    .label(label)
                    .legend(move |(x, y)| Circle::new((x + 8, y), 5, color.stroke_width(2))),
                1 => chart
                    .draw_series(points.map(|p| Cross::new(p, 5, color.stroke_width(2))))?
                    .label(label)
                    .legend(move |(x, y)| Cross::new((x + 8, y), 5, color.stroke_width(2))),
                _ => chart
                    .draw_series(points.map(|p| TriangleMarker::new(p, 6, color.filled())))?
                    .label(label)
                    .legend(move |(x, y)| TriangleMarker::new((x + 8, y), 6, color.filled())),
            };
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font(("sans-serif", 18))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .draw()?;
        Ok(())
    })?;
    failure.map_or(Ok(()), Err)
}

/// Words as points annotated with their text, as the book's
/// `plt.annotate(word, (U[id, 0], U[id, 1]))` over `plt.scatter(U[:,0], U[:,1], alpha=0.5)`.
///
/// # Errors
/// No points, a non-finite coordinate, or the file cannot be written.
pub fn word_scatter(path: &Path, points: &[(String, f64, f64)], title: &str) -> Result<()> {
    fonts()?;
    if points.is_empty()
        || points
            .iter()
            .any(|(_, x, y)| !x.is_finite() || !y.is_finite())
    {
        return Err(Error::file(
            path,
            "no points, or a coordinate that is not finite, to plot",
        ));
    }
    let range = |f: fn(&(String, f64, f64)) -> f64| {
        let (lo, hi) = points
            .iter()
            .map(f)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
        let pad = ((hi - lo) * 0.25).max(0.1);
        (lo - pad)..(hi + pad)
    };
    let (xs, ys) = (range(|p| p.1), range(|p| p.2));
    render(path, |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 24))
            .margin(20)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(xs, ys)?;
        chart
            .configure_mesh()
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .label_style(("sans-serif", 18))
            .draw()?;
        chart.draw_series(
            points
                .iter()
                .map(|(_, x, y)| Circle::new((*x, *y), 6, CLASS_COLORS[0].mix(0.5).filled())),
        )?;
        chart.draw_series(points.iter().map(|(word, x, y)| {
            Text::new(word.clone(), (*x, *y), ("sans-serif", 22).into_font())
        }))?;
        Ok(())
    })
}

/// A tick label with one decimal, and no "-0.0".
fn tick(v: f64) -> String {
    let v = if v.abs() < 1e-9 { 0.0 } else { v };
    format!("{v:.1}")
}

type DrawResult = std::result::Result<(), Box<dyn std::error::Error>>;

/// Draws on an in-memory bitmap and writes it as a PNG, atomically.
fn render(
    path: &Path,
    draw: impl FnOnce(DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>) -> DrawResult,
) -> Result<()> {
    let (w, h) = SIZE;
    let mut pixels = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area();
        draw(root.clone()).map_err(|e| plot_error(path, e))?;
        root.present().map_err(|e| plot_error(path, e))?;
    }
    nn_train::write_atomic(path, |file| {
        let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(std::io::Error::other)?;
        writer
            .write_image_data(&pixels)
            .map_err(std::io::Error::other)?;
        writer.finish().map_err(std::io::Error::other)
    })
}

/// Accuracy per epoch of one or more runs (`(label, accuracies)`), as the
/// book's `plt.plot(x, acc_list, marker='o')` with `plt.ylim(-0.05, 1.05)`,
/// one colour and legend entry per run (the book's figure 7-26 draws three);
/// to a PNG, atomically.
///
/// # Errors
/// No runs or an empty run, or the file cannot be written.
pub fn accuracy_curves(path: &Path, title: &str, runs: &[(String, Vec<f64>)]) -> Result<()> {
    fonts()?;
    if runs.is_empty() || runs.iter().any(|(_, acc)| acc.is_empty()) {
        return Err(Error::file(path, "no accuracies to plot"));
    }
    // matplotlib's first five colours, as the book's figures draw their lines.
    const LINES: [RGBColor; 5] = [
        RGBColor(0x1f, 0x77, 0xb4),
        RGBColor(0xff, 0x7f, 0x0e),
        RGBColor(0x2c, 0xa0, 0x2c),
        RGBColor(0xd6, 0x27, 0x28),
        RGBColor(0x94, 0x67, 0xbd),
    ];
    let epochs = runs.iter().map(|(_, acc)| acc.len()).max().unwrap_or(1);
    render(path, |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 28))
            .margin(20)
            .x_label_area_size(55)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5f64..epochs as f64 - 0.5, -0.05f64..1.05)?;
        chart
            .configure_mesh()
            .x_desc("epochs")
            .y_desc("accuracy")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| tick(*v))
            .label_style(("sans-serif", 18))
            .axis_desc_style(("sans-serif", 20))
            .draw()?;
        for (k, (label, acc)) in runs.iter().enumerate() {
            let color = LINES[k % LINES.len()];
            let points: Vec<(f64, f64)> = acc
                .iter()
                .enumerate()
                .map(|(i, &a)| (i as f64, a))
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))?
                .label(label.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(2))
                });
            chart.draw_series(
                points
                    .into_iter()
                    .map(|p| Circle::new(p, 4, color.filled())),
            )?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(("sans-serif", 18))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .draw()?;
        Ok(())
    })
}

/// The book's `visualize_attention.py` heat map: `map[i, j]` is how much
/// output character `i` (`rows`, down the side, first at the top) attends
/// to input character `j` (`columns`, across), drawn in grey from black (0)
/// to white (1) (`pcolor(cmap=Greys_r, vmin=0, vmax=1)`); to a PNG,
/// atomically.
///
/// # Errors
/// Labels that don't match the map, a weight outside [0, 1] or not finite,
/// or the file cannot be written.
pub fn attention_map(
    path: &Path,
    map: ndarray::ArrayView2<'_, f64>,
    columns: &[char],
    rows: &[char],
) -> Result<()> {
    fonts()?;
    let (n_rows, n_cols) = map.dim();
    if n_rows == 0 || n_cols == 0 || rows.len() != n_rows || columns.len() != n_cols {
        return Err(Error::file(
            path,
            format!(
                "a {n_rows} × {n_cols} map needs {n_rows} row and {n_cols} column labels, got {} and {}",
                rows.len(),
                columns.len()
            ),
        ));
    }
    if let Some(v) = map.iter().find(|v| !(0.0..=1.0).contains(*v)) {
        return Err(Error::file(
            path,
            format!("an attention weight of {v} is outside [0, 1]"),
        ));
    }
    let label = |labels: &[char], v: &SegmentValue<i32>, flip: bool| match v {
        SegmentValue::CenterOf(i) if *i >= 0 && (*i as usize) < labels.len() => {
            let i = *i as usize;
            let c = if flip {
                labels[labels.len() - 1 - i]
            } else {
                labels[i]
            };
            // A space would be an invisible tick label; show it as the book's plot does, blank,
            // but keep the tick.
            c.to_string()
        }
        _ => String::new(),
    };
    render(path, |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(20)
            .x_label_area_size(40)
            .y_label_area_size(40)
            // A segmented range `0..k` has a segment for each of 0..=k.
            .build_cartesian_2d(
                (0..n_cols as i32 - 1).into_segmented(),
                (0..n_rows as i32 - 1).into_segmented(),
            )?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(n_cols)
            .y_labels(n_rows)
            .x_label_formatter(&|v| label(columns, v, false))
            .y_label_formatter(&|v| label(rows, v, true))
            .label_style(("sans-serif", 18))
            .draw()?;
        chart.draw_series(map.indexed_iter().map(|((i, j), &w)| {
            let grey = (w * 255.0).round() as u8;
            // Row 0 at the top: the book's invert_yaxis().
            let y = (n_rows - 1 - i) as i32;
            let j = j as i32;
            Rectangle::new(
                [
                    (SegmentValue::Exact(j), SegmentValue::Exact(y)),
                    (SegmentValue::Exact(j + 1), SegmentValue::Exact(y + 1)),
                ],
                RGBColor(grey, grey, grey).filled(),
            )
        }))?;
        Ok(())
    })
}
