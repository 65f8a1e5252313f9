// ANCHOR: all
use ndarray::{Array1, Array2, ArrayView2, Zip, array};
use nn_core::{
    Affine, Error, GradCheck, Init, Layer, Param, ParamName, Parameters, Result, Sequential,
    SoftmaxWithLoss,
};

/// `y = x ⊙ s`: each column scaled by a learned factor. A user's layer.
struct Scale {
    s: Array1<f64>,
    ds: Array1<f64>,
    x: Array2<f64>,   // kept for backward
    out: Array2<f64>, // buffers reused from step to step: no allocation once warm
    dx: Array2<f64>,
}

impl Scale {
    fn new(width: usize) -> Self {
        let empty = || Array2::zeros((0, width));
        Scale {
            s: Array1::ones(width),
            ds: Array1::zeros(width),
            x: empty(),
            out: empty(),
            dx: empty(),
        }
    }
}

impl Parameters<f64> for Scale {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, f64>) -> Result<()>) -> Result<()> {
        f(Param {
            name: ParamName::new("s"),
            value: self.s.view_mut().into_dyn(),
            grad: self.ds.view_mut().into_dyn(),
        })
    }
}

impl Layer<f64> for Scale {
    fn name(&self) -> &'static str {
        "Scale"
    }

    fn forward(&mut self, x: ArrayView2<'_, f64>) -> Result<ArrayView2<'_, f64>> {
        if x.ncols() != self.s.len() {
            let detail = format!("x has {} columns, s has {}", x.ncols(), self.s.len());
            return Err(Error::shape("Scale.forward", detail));
        }
        if self.x.dim() != x.dim() {
            (self.x, self.out) = (Array2::zeros(x.dim()), Array2::zeros(x.dim()));
        }
        self.x.assign(&x);
        Zip::from(&mut self.out)
            .and(&x)
            .and_broadcast(&self.s)
            .for_each(|y, &x, &s| *y = x * s);
        Ok(self.out.view())
    }

    fn backward(&mut self, dout: ArrayView2<'_, f64>) -> Result<ArrayView2<'_, f64>> {
        if dout.dim() != self.x.dim() {
            return Err(Error::shape(
                "Scale.backward",
                "dout must have the last output's shape",
            ));
        }
        if self.dx.dim() != dout.dim() {
            self.dx = Array2::zeros(dout.dim());
        }
        Zip::from(&mut self.dx)
            .and(&dout)
            .and_broadcast(&self.s)
            .for_each(|dx, &g, &s| *dx = g * s);
        self.ds.fill(0.0); // overwrite, never add: ds = Σ over rows of dout ⊙ x
        for (g, x) in dout.rows().into_iter().zip(self.x.rows()) {
            Zip::from(&mut self.ds)
                .and(&g)
                .and(&x)
                .for_each(|ds, &g, &x| *ds += g * x);
        }
        Ok(self.dx.view())
    }
}

fn main() -> Result<()> {
    // Checked against central differences like every layer of the crates ...
    let x = array![[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]];
    let report =
        GradCheck::default().layer(&mut Scale::new(3), x.view(), Array2::ones((2, 3)).view())?;
    assert!(report.max_error < 1e-8, "{report}");

    // ... and a part of a model like any other: named, trained, saved.
    let mut rng = rand::rng();
    let mut net = Sequential::new(SoftmaxWithLoss::with_delta(0.0)?)
        .with(Scale::new(3))
        .with(Affine::init(3, 2, Init::BOOK, &mut rng)?);
    assert_eq!(net.param_names(), ["0.s", "1.W", "1.b"]);
    let report = GradCheck::default().model(&mut net, x.view(), &[1, 0])?;
    assert!(report.max_error < 1e-6, "{report}");
    Ok(())
}
// ANCHOR_END: all

#[test]
fn runs() -> Result<()> {
    main()
}
