//! The benchmark workloads, defined once: the criterion benches, the
//! comparison command and its peers (numpy, PyTorch, candle, under `peers/`)
//! all run these.
//!
//! * **S**, the book's run: 2 → 10 → 3, Sigmoid, 300 spiral samples, batch
//!   30, SGD lr 1.0, 300 epochs (3000 steps), a shuffle per epoch.
//! * **M**, MNIST-shaped: 784 → 1000 → 10 with Sigmoid or ReLU, batch 100,
//!   synthetic seeded normal inputs and random labels.
//! * **L**, wide: 784 → 4096 → 4096 → 10, ReLU, batch 256, f32, 20 steps.

/// `criterion_main!`, except that the process first makes sure OpenBLAS runs
/// kernels that fit the CPU ([`nn_core::blas::ensure_fitting_kernels`]):
/// a benchmark of misdetected kernels measures the wrong library.
#[macro_export]
macro_rules! bench_main {
    ($($group:path),+ $(,)?) => {
        fn main() {
            nn_core::blas::ensure_fitting_kernels();
            $($group();)+
            criterion::Criterion::default()
                .configure_from_args()
                .final_summary();
        }
    };
}

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, s};
use nn_core::{Affine, Float, Init, Randn, Relu, Result, Sequential, Sigmoid, SoftmaxWithLoss};
use nn_optim::{Optimizer, Sgd, SgdConfig};
use nn_train::{FitConfig, Generator, NumpyRandom, Silent, Spiral, Trainer};

/// The activation between the affine layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// The book's.
    Sigmoid,
    /// For the wider nets.
    Relu,
}

/// One workload of the comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Workload {
    /// Its name in tables and on the command line.
    pub name: &'static str,
    /// Layer widths, input first.
    pub sizes: &'static [usize],
    /// The activation.
    pub activation: Activation,
    /// Samples per step.
    pub batch: usize,
    /// Samples in the data set.
    pub samples: usize,
    /// Steps timed per run (for M: a sixth of the 600-step epoch, enough for a stable median).
    pub steps: usize,
    /// SGD's learning rate.
    pub lr: f64,
}

/// The book's run.
pub const S: Workload = Workload {
    name: "S",
    sizes: &[2, 10, 3],
    activation: Activation::Sigmoid,
    batch: 30,
    samples: 300,
    steps: 3000,
    lr: 1.0,
};

/// MNIST-shaped with Sigmoid.
pub const M_SIGMOID: Workload = Workload {
    name: "M-sigmoid",
    sizes: &[784, 1000, 10],
    activation: Activation::Sigmoid,
    batch: 100,
    samples: 60_000,
    steps: 100,
    lr: 0.1,
};

/// MNIST-shaped with ReLU.
pub const M_RELU: Workload = Workload {
    name: "M-relu",
    activation: Activation::Relu,
    ..M_SIGMOID
};

/// Wide.
pub const L: Workload = Workload {
    name: "L",
    sizes: &[784, 4096, 4096, 10],
    activation: Activation::Relu,
    batch: 256,
    samples: 5120,
    steps: 20,
    lr: 0.01,
};

/// All of them.
pub const ALL: [Workload; 4] = [S, M_SIGMOID, M_RELU, L];

impl Workload {
    /// The workload called `name`.
    pub fn by_name(name: &str) -> Option<Workload> {
        ALL.into_iter().find(|w| w.name.eq_ignore_ascii_case(name))
    }

    /// Multiply-adds in the matrix products of one step (forward, and
    /// backward without the first layer's input gradient).
    pub fn step_macs(&self) -> f64 {
        let pairs: Vec<(usize, usize)> = self.sizes.windows(2).map(|w| (w[0], w[1])).collect();
        let mut macs = 0.0;
        for (i, &(a, b)) in pairs.iter().enumerate() {
            let one = (self.batch * a * b) as f64;
            macs += if i == 0 { 2.0 * one } else { 3.0 * one };
        }
        macs
    }

    /// The model: Affine layers with the activation between them, and
    /// SoftmaxWithLoss. S uses the book's 0.01·randn, the others He or Xavier.
    ///
    /// # Errors
    /// Never for these sizes.
    pub fn model<F: Float>(&self, rng: &mut dyn Randn) -> Result<Sequential<F>> {
        let init = match (self.name, self.activation) {
            ("S", _) => Init::BOOK,
            (_, Activation::Relu) => Init::He,
            (_, Activation::Sigmoid) => Init::Xavier,
        };
        let mut model = Sequential::new(SoftmaxWithLoss::new());
        let last = self.sizes.len() - 2;
        for (i, w) in self.sizes.windows(2).enumerate() {
            model.push(Affine::init(w[0], w[1], init, rng)?);
            if i < last {
                match self.activation {
                    Activation::Sigmoid => model.push(Sigmoid::new()),
                    Activation::Relu => model.push(Relu::new()),
                };
            }
        }
        Ok(model)
    }

    /// Seeded data: the spiral for S, standard-normal inputs and uniform
    /// labels otherwise.
    ///
    /// # Errors
    /// Never for these sizes.
    pub fn data<F: Float>(&self, rng: &mut Generator) -> Result<(Array2<F>, Vec<usize>)> {
        if self.name == "S" {
            let (x, t) = Spiral::default().generate(rng)?;
            return Ok((x.mapv(F::from_f64), t));
        }
        let classes = *self.sizes.last().unwrap_or(&1);
        let x = Init::Normal { scale: 1.0 }.matrix::<F>(self.samples, self.sizes[0], rng)?;
        let mut order: Vec<usize> = (0..self.samples).collect();
        nn_train::Shuffle::shuffle_indices(rng, &mut order);
        let t = order.into_iter().map(|i| i % classes).collect();
        Ok((x, t))
    }
}

/// A workload ready to step: model, SGD and data.
pub struct Bench<F: Float> {
    /// What it runs.
    pub workload: Workload,
    /// The model.
    pub model: Sequential<F>,
    /// Its optimizer.
    pub sgd: Sgd<F>,
    /// The inputs.
    pub x: Array2<F>,
    /// The labels.
    pub t: Vec<usize>,
}

impl<F: Float> Bench<F> {
    /// Model, optimizer and data for `workload`, all seeded.
    ///
    /// # Errors
    /// Never for the defined workloads.
    pub fn new(workload: Workload) -> Result<Self> {
        let mut rng = Generator::chacha(1984);
        let (x, t) = workload.data::<F>(&mut rng)?;
        let model = workload.model::<F>(&mut rng)?;
        let sgd = Sgd::new(SgdConfig {
            lr: workload.lr,
            ..SgdConfig::default()
        })?;
        Ok(Self {
            workload,
            model,
            sgd,
            x,
            t,
        })
    }

    /// One training step on batch `i` (cycling through the data): forward,
    /// backward, SGD update. Returns the loss.
    ///
    /// # Errors
    /// Never for the defined workloads.
    pub fn step(&mut self, i: usize) -> Result<F> {
        let b = self.workload.batch;
        let start = (i % (self.workload.samples / b)) * b;
        let loss = self.model.forward(
            self.x.slice(s![start..start + b, ..]),
            &self.t[start..start + b],
        )?;
        self.model.backward_params()?;
        let _ = self.sgd.update(&mut self.model)?;
        Ok(loss)
    }
}

/// Seconds per step of `workload`, one run: S is the book's whole run (the
/// Trainer with numpy's generator, 300 epochs with their shuffles), the others
/// `workload.steps` steps after two warm-up steps.
///
/// # Errors
/// Never for the defined workloads.
pub fn seconds_per_step<F: Float>(workload: Workload) -> Result<f64> {
    if workload.name == "S" {
        let mut rng = NumpyRandom::new(1984);
        let (x, t) = Spiral::default().generate(&mut rng)?;
        let x = x.mapv(F::from_f64);
        let model = workload.model::<F>(&mut rng)?;
        let mut trainer = Trainer::new(
            model,
            Box::new(Sgd::new(SgdConfig {
                lr: workload.lr,
                ..SgdConfig::default()
            })?),
        );
        let config = FitConfig {
            max_epoch: 300,
            batch_size: workload.batch,
            max_grad: None,
            eval_interval: Some(10),
            style: nn_train::RecordStyle::CustomLoop,
        };
        let started = std::time::Instant::now();
        trainer.fit(x.view(), &t, &config, &mut rng, &mut Silent)?;
        return Ok(started.elapsed().as_secs_f64() / workload.steps as f64);
    }
    let mut bench = Bench::<F>::new(workload)?;
    for i in 0..2 {
        bench.step(i)?;
    }
    let started = std::time::Instant::now();
    for i in 0..workload.steps {
        bench.step(i)?;
    }
    Ok(started.elapsed().as_secs_f64() / workload.steps as f64)
}

/// The matrix products of one training step of a workload, alone, on
/// buffers of the step's shapes: forward `x·W` per layer, backward `xᵀ·dout`
/// per layer and `dout·Wᵀ` for all but the first. The ceiling of a step.
pub struct GemmStep<F: Float> {
    layers: Vec<[Array2<F>; 5]>,
}

impl<F: Float> GemmStep<F> {
    /// Buffers for `workload`, filled with seeded normals.
    ///
    /// # Errors
    /// Never for the defined workloads.
    pub fn new(workload: Workload) -> Result<Self> {
        let n = workload.batch;
        let mut rng = Generator::chacha(3);
        let mut random = |r, c| Init::Normal { scale: 1.0 }.matrix::<F>(r, c, &mut rng);
        let layers = workload
            .sizes
            .windows(2)
            .map(|w| {
                Ok([
                    random(n, w[0])?,
                    random(w[0], w[1])?,
                    random(n, w[1])?,
                    random(n, w[0])?,
                    random(w[0], w[1])?,
                ])
            })
            .collect::<Result<_>>()?;
        Ok(Self { layers })
    }

    /// Runs the products once.
    pub fn run(&mut self) {
        for (i, [x, w, out, dx, dw]) in self.layers.iter_mut().enumerate() {
            general_mat_mul(F::one(), &*x, &*w, F::zero(), out);
            general_mat_mul(F::one(), &x.t(), &*out, F::zero(), dw);
            if i > 0 {
                general_mat_mul(F::one(), &*out, &w.t(), F::zero(), dx);
            }
        }
    }
}

/// Seconds per step spent in the step's matrix products alone.
///
/// # Errors
/// Never for the defined workloads.
pub fn gemm_seconds_per_step<F: Float>(workload: Workload) -> Result<f64> {
    let mut gemms = GemmStep::<F>::new(workload)?;
    gemms.run();
    let steps = workload.steps.min(1000);
    let started = std::time::Instant::now();
    for _ in 0..steps {
        gemms.run();
    }
    Ok(started.elapsed().as_secs_f64() / steps as f64)
}

/// A corpus of `tokens` word ids drawn from a Zipf law over `vocab` words
/// (rank r with weight 1/r), seeded: PTB's shape at 10,000 words and 930,000
/// tokens, for the chapter 2 and 4 benchmarks.
pub fn zipf_corpus(vocab: usize, tokens: usize) -> Vec<usize> {
    use rand::{Rng, SeedableRng};
    let cdf: Vec<f64> = (1..=vocab)
        .scan(0.0, |t, r| {
            *t += 1.0 / r as f64;
            Some(*t)
        })
        .collect();
    let total = cdf[vocab - 1];
    let mut rng = rand_chacha::ChaCha12Rng::seed_from_u64(1984);
    (0..tokens)
        .map(|_| {
            cdf.partition_point(|&c| c < rng.random::<f64>() * total)
                .min(vocab - 1)
        })
        .collect()
}

/// The book's `BetterRnnlm` from numpy's seed `seed`: the weights and then
/// every dropout mask drawn from the one generator, as the book draws them.
///
/// # Errors
/// As `BetterRnnlm::new`.
pub fn book_better<F: Float>(
    v: usize,
    d: usize,
    h: usize,
    ratio: f64,
    seed: u32,
) -> Result<nn_models::rnnlm::BetterRnnlm<F>> {
    let rng = nn_core::SharedRng::new(NumpyRandom::new(seed));
    nn_models::rnnlm::BetterRnnlm::new(v, d, h, ratio, &mut *rng.lock(), rng.clone())
}

/// The median of `v` (the mean of the two middle values for an even
/// count; NaN for none).
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The median seconds of `iters` calls of `step`, after three to warm up
/// (buffers sized, caches and BLAS threads awake).
pub fn timed(iters: usize, mut step: impl FnMut()) -> f64 {
    for _ in 0..3 {
        step();
    }
    median(
        (0..iters)
            .map(|_| {
                let start = std::time::Instant::now();
                step();
                start.elapsed().as_secs_f64()
            })
            .collect(),
    )
}
