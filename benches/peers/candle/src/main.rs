//! candle's side of the comparison: `candle-peer WORKLOAD DTYPE RUNS` prints
//! `VERSION` and `RESULT` lines with the seconds per step of each run.
//! Workloads as in `nn-benches` (src/lib.rs): S, M-sigmoid, M-relu, L.

use candle_core::{DType, Device, Module, Result, Tensor};
use candle_nn::{Linear, Optimizer, SGD, VarBuilder, VarMap, linear};
use std::time::Instant;

struct Spec {
    sizes: Vec<usize>,
    relu: bool,
    batch: usize,
    samples: usize,
    steps: usize,
    lr: f64,
}

fn spec(name: &str) -> Option<Spec> {
    Some(match name {
        "S" => Spec { sizes: vec![2, 10, 3], relu: false, batch: 30, samples: 300, steps: 3000, lr: 1.0 },
        "M-sigmoid" => Spec { sizes: vec![784, 1000, 10], relu: false, batch: 100, samples: 60_000, steps: 100, lr: 0.1 },
        "M-relu" => Spec { sizes: vec![784, 1000, 10], relu: true, batch: 100, samples: 60_000, steps: 100, lr: 0.1 },
        "L" => Spec { sizes: vec![784, 4096, 4096, 10], relu: true, batch: 256, samples: 5120, steps: 20, lr: 0.01 },
        _ => return None,
    })
}

struct Mlp {
    layers: Vec<Linear>,
    relu: bool,
}

impl Module for Mlp {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut h = x.clone();
        for (i, layer) in self.layers.iter().enumerate() {
            h = layer.forward(&h)?;
            if i + 1 < self.layers.len() {
                h = if self.relu { h.relu()? } else { candle_nn::ops::sigmoid(&h)? };
            }
        }
        Ok(h)
    }
}

/// The book's spiral data (noise from candle's own generator).
fn spiral(dtype: DType, dev: &Device) -> Result<(Tensor, Tensor)> {
    let (n, classes) = (100, 3);
    let noise = Tensor::randn(0f64, 0.2, n * classes, dev)?.to_vec1::<f64>()?;
    let (mut x, mut t) = (Vec::new(), Vec::new());
    for j in 0..classes {
        for i in 0..n {
            let rate = i as f64 / n as f64;
            let theta = j as f64 * 4.0 + 4.0 * rate + noise[j * n + i];
            x.extend([rate * theta.sin(), rate * theta.cos()]);
            t.push(j as u32);
        }
    }
    Ok((Tensor::from_vec(x, (n * classes, 2), dev)?.to_dtype(dtype)?, Tensor::from_vec(t, n * classes, dev)?))
}

fn run(name: &str, dtype: DType) -> Result<f64> {
    let s = spec(name).ok_or_else(|| candle_core::Error::Msg(format!("unknown workload {name}")))?;
    let dev = Device::Cpu;
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, dtype, &dev);
    let layers = s
        .sizes
        .windows(2)
        .enumerate()
        .map(|(i, w)| linear(w[0], w[1], vb.pp(format!("fc{i}"))))
        .collect::<Result<Vec<_>>>()?;
    let model = Mlp { layers, relu: s.relu };
    let mut sgd = SGD::new(varmap.all_vars(), s.lr)?;
    let (x, t) = if name == "S" {
        spiral(dtype, &dev)?
    } else {
        let classes = *s.sizes.last().unwrap();
        let x = Tensor::randn(0f32, 1.0, (s.samples, s.sizes[0]), &dev)?.to_dtype(dtype)?;
        let t = Tensor::rand(0f32, classes as f32, s.samples, &dev)?.floor()?.to_dtype(DType::U32)?;
        (x, t)
    };
    let iters = s.samples / s.batch;
    let mut step = |xb: &Tensor, tb: &Tensor| -> Result<()> {
        let logits = model.forward(xb)?;
        let loss = candle_nn::loss::cross_entropy(&logits, tb)?;
        sgd.backward_step(&loss)
    };
    if name == "S" {
        let started = Instant::now();
        let (mut x, mut t) = (x, t);
        for _ in 0..300 {
            // A new order each epoch, composed as the book's x = x[idx].
            let idx = Tensor::rand(0f32, 1.0, s.samples, &dev)?.arg_sort_last_dim(true)?;
            x = x.index_select(&idx, 0)?;
            t = t.index_select(&idx, 0)?;
            for i in 0..iters {
                step(&x.narrow(0, i * s.batch, s.batch)?, &t.narrow(0, i * s.batch, s.batch)?)?;
            }
        }
        return Ok(started.elapsed().as_secs_f64() / s.steps as f64);
    }
    for i in 0..2 {
        step(&x.narrow(0, i * s.batch, s.batch)?, &t.narrow(0, i * s.batch, s.batch)?)?;
    }
    let started = Instant::now();
    for i in 0..s.steps {
        let at = (i % iters) * s.batch;
        step(&x.narrow(0, at, s.batch)?, &t.narrow(0, at, s.batch)?)?;
    }
    Ok(started.elapsed().as_secs_f64() / s.steps as f64)
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, name, dtype, runs] = &args[..] else {
        return Err(candle_core::Error::Msg("usage: candle-peer WORKLOAD f32|f64 RUNS".into()));
    };
    let runs = runs.parse::<usize>().unwrap_or(3);
    let dtype = if dtype == "f64" { DType::F64 } else { DType::F32 };
    println!("VERSION candle 0.11");
    let mut out = Vec::new();
    for _ in 0..runs {
        out.push(run(name, dtype)?);
    }
    println!("RESULT {}", out.iter().map(|s| format!("{s:e}")).collect::<Vec<_>>().join(" "));
    Ok(())
}
