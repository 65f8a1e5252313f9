//! The sinusoidal `PositionalEncoding` table against PyTorch's tutorial
//! formula run in float64 (`tests/reference/positional_encoding.py`), for an
//! even and an odd width, to 1e-12; and a gradient check of the learned
//! table and of the input, through a random projection of the output.

#[path = "reference/positional_encoding_data.rs"]
#[rustfmt::skip]
mod positional_encoding_data;

use ndarray::{Array2, Array3};
use nn_core::time::TimeLayer;
use nn_core::transformer::PositionalEncoding;
use nn_core::{Differentiable, GradCheck, Param, Parameters, Result};
use positional_encoding_data::*;

#[test]
fn the_sinusoidal_table_equals_pytorchs() {
    for (what, (shape, values)) in [("even", PE_EVEN), ("odd", PE_ODD)] {
        let pe = PositionalEncoding::<f64>::sinusoidal(shape[0], shape[1]).unwrap();
        assert_eq!(pe.table().shape(), shape, "{what}");
        for (i, (a, b)) in pe.table().iter().zip(values).enumerate() {
            assert!((a - b).abs() <= 1e-12, "{what}[{i}]: {a} vs PyTorch's {b}");
        }
    }
}

/// `f = Σ PE(xs) ⊙ r` for a learned table.
struct Projected {
    layer: PositionalEncoding<f64>,
    xs: Array3<f64>,
    r: Array3<f64>,
}

impl Parameters<f64> for Projected {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, f64>) -> Result<()>) -> Result<()> {
        self.layer.visit_params(f)
    }
}

impl Differentiable for Projected {
    fn value(&mut self) -> Result<f64> {
        Ok((&self.layer.forward(self.xs.view())? * &self.r).sum())
    }

    fn gradients(&mut self) -> Result<()> {
        self.value()?;
        self.layer.backward(self.r.view()).map(|_| ())
    }
}

#[test]
fn a_learned_table_passes_a_gradient_check() {
    let wave = |salt: f64| {
        move |(a, b, c): (usize, usize, usize)| ((a * 7 + b * 3 + c) as f64 * salt).sin()
    };
    let table = Array2::from_shape_fn((6, 4), |(t, j)| ((t * 4 + j) as f64 * 0.37).cos());
    let mut f = Projected {
        layer: PositionalEncoding::learned(table).unwrap(),
        xs: Array3::from_shape_fn((3, 5, 4), wave(0.91)),
        r: Array3::from_shape_fn((3, 5, 4), wave(1.37)),
    };
    let report = GradCheck::default().differentiable(&mut f).unwrap();
    assert!(report.max_error < 1e-7, "{report}");
    // dx = dout: the input's gradient is the projection itself.
    f.gradients().unwrap();
    let dx = f.layer.backward(f.r.view()).unwrap().to_owned();
    assert_eq!(dx, f.r);
}
