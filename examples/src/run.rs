//! The book's run and its variations: train, resume a saved run, evaluate
//! saved parameters. The binary is a thin command line over these.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use ndarray::{Array1, Array2, ArrayD, IxDyn};
use nn_core::{Error, Float, Result};
use nn_optim::OptimizerKind;
use nn_train::{
    FitConfig, Generator, NpyArray, Npz, Precision, Record, RunState, Spiral, Trainer, accuracy,
    for_stdout, load_params_from, save_params, write_atomic,
};

use crate::net::{LEGACY_PARAM_NAMES, two_layer_net};
use crate::plot;

/// The float type a run computes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Dtype {
    /// 32-bit floats.
    F32,
    /// 64-bit floats, as numpy's default and the book's numbers.
    F64,
}

/// Where the random numbers come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GeneratorKind {
    /// numpy's legacy generator: the book's exact run.
    Numpy,
    /// ChaCha12, rand's standard generator.
    Std,
}

/// Everything a training run is given; `Default` is the book's chapter-1 run.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// Epochs in total.
    pub epochs: usize,
    /// Samples per batch.
    pub batch_size: usize,
    /// Hidden units.
    pub hidden: usize,
    /// Learning rate; `None` is 1.0 for SGD (the book's) and the optimizer's own default otherwise.
    pub lr: Option<f64>,
    /// The optimizer.
    pub optimizer: OptimizerKind,
    /// Clip gradients to this global norm.
    pub max_grad: Option<f64>,
    /// Iterations per loss record.
    pub eval_interval: usize,
    /// The seed.
    pub seed: u64,
    /// The generator.
    pub generator: GeneratorKind,
    /// The float type.
    pub dtype: Dtype,
    /// The output directory.
    pub out: PathBuf,
    /// No progress output.
    pub quiet: bool,
    /// Snap the decision boundary to a grid of this step (the book's 0.001).
    pub grid_step: Option<f64>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 300,
            batch_size: 30,
            hidden: 10,
            lr: None,
            optimizer: OptimizerKind::Sgd,
            max_grad: None,
            eval_interval: 10,
            seed: 1984,
            generator: GeneratorKind::Numpy,
            dtype: Dtype::F64,
            out: PathBuf::from("out"),
            quiet: false,
            grid_step: None,
        }
    }
}

/// The spiral data set's size: 100 points in each of 3 classes.
pub const SAMPLES: usize = 300;

impl TrainConfig {
    /// The learning rate in force.
    pub fn learning_rate(&self) -> f64 {
        self.lr.unwrap_or(match self.optimizer {
            OptimizerKind::Sgd => 1.0,
            other => other.default_lr(),
        })
    }

    /// Refuses bad settings before any work starts.
    ///
    /// # Errors
    /// The first bad setting, named.
    pub fn check(&self) -> Result<()> {
        const OP: &str = "nn-examples";
        let bad = |detail: String| Err(Error::invalid(OP, detail));
        if self.epochs == 0 {
            return bad("--epochs must be at least 1".into());
        }
        if self.batch_size == 0 || self.batch_size > SAMPLES {
            return bad(format!(
                "--batch-size must be between 1 and the {SAMPLES} samples, got {}",
                self.batch_size
            ));
        }
        if self.hidden == 0 {
            return bad("--hidden must be at least 1".into());
        }
        let lr = self.learning_rate();
        if !(lr.is_finite() && lr >= 0.0) {
            return bad(format!("--lr must be finite and non-negative, got {lr}"));
        }
        if let Some(g) = self.max_grad
            && !(g.is_finite() && g > 0.0)
        {
            return bad(format!("--max-grad must be positive and finite, got {g}"));
        }
        if self.eval_interval == 0 {
            return bad("--eval-interval must be at least 1".into());
        }
        if self.generator == GeneratorKind::Numpy && u32::try_from(self.seed).is_err() {
            return bad(format!(
                "--seed must be below 2^32 for numpy's generator (as np.random.seed), got {}",
                self.seed
            ));
        }
        if let Some(h) = self.grid_step
            && !(h.is_finite() && h > 0.0)
        {
            return bad(format!("--grid-step must be positive, got {h}"));
        }
        Ok(())
    }
}

/// What a run did.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The loss records of the whole run (including before a resume).
    pub history: Vec<Record>,
    /// Iterations per epoch.
    pub iterations: usize,
    /// Correctly classified training samples, and how many there are.
    pub accuracy: (usize, usize),
    /// Seconds spent training (this invocation).
    pub train_seconds: f64,
    /// Seconds spent drawing and writing the two figures.
    pub plot_seconds: f64,
    /// Each training iteration's time (this invocation).
    pub iteration_times: nn_train::IterationTimes,
    /// The files written.
    pub files: Vec<PathBuf>,
}

/// Trains as `config` says and writes everything into `config.out`.
///
/// # Errors
/// Bad settings (before any work), an error while training (after writing
/// `history.json` with the records so far), or a file that cannot be written.
pub fn train(config: &TrainConfig) -> Result<Outcome> {
    config.check()?;
    match config.dtype {
        Dtype::F32 => run::<f32>(config, None),
        Dtype::F64 => run::<f64>(config, None),
    }
}

/// Continues the run saved in `out` up to `epochs` epochs in total (by
/// default, the saved run's own total, if it was cut short).
///
/// # Errors
/// Missing or damaged files, nothing left to train, or as [`train`].
pub fn resume(
    out: &Path,
    epochs: Option<usize>,
    quiet: bool,
    grid_step: Option<f64>,
) -> Result<Outcome> {
    let params_path = out.join("params.npz");
    let state_path = out.join("state.npz");
    let params = Npz::read(&params_path)?;
    let state = Npz::read(&state_path)?;
    let (dtype, hidden) = saved_shape(&params, &params_path)?;
    let fields = state.fields(&state_path);
    let scalar = |name: &str| fields.u64_scalar(name);
    let name = String::from_utf8_lossy(&fields.bytes("optimizer.name")?).into_owned();
    // An unknown kind is refused by RunState::from_npz.
    let generator = match fields.bytes("generator.kind")?.as_slice() {
        b"numpy" => GeneratorKind::Numpy,
        _ => GeneratorKind::Std,
    };
    let max_grad = fields.f64_vector("run.max_grad")?.first().copied();
    let saved_epochs = scalar("run.epochs")? as usize;
    let config = TrainConfig {
        epochs: epochs.unwrap_or(saved_epochs),
        batch_size: scalar("run.batch_size")? as usize,
        hidden,
        lr: None,
        optimizer: name
            .parse()
            .map_err(|_| Error::file(&state_path, format!("unknown optimizer {name:?}")))?,
        max_grad,
        eval_interval: scalar("run.eval_interval")? as usize,
        seed: scalar("run.seed")?,
        generator,
        dtype,
        out: out.to_path_buf(),
        quiet,
        grid_step,
    };
    config.check()?;
    match dtype {
        Dtype::F32 => run::<f32>(&config, Some((&params, &params_path, &state, &state_path))),
        Dtype::F64 => run::<f64>(&config, Some((&params, &params_path, &state, &state_path))),
    }
}

/// Accuracy of the parameters in `params` on the spiral data drawn from
/// `seed` with `generator`.
///
/// # Errors
/// A missing, damaged or mismatched parameter file.
pub fn evaluate(params: &Path, seed: u64, generator: GeneratorKind) -> Result<(usize, usize)> {
    let npz = Npz::read(params)?;
    let (dtype, hidden) = saved_shape(&npz, params)?;
    let check = TrainConfig {
        seed,
        generator,
        ..TrainConfig::default()
    };
    check.check()?;
    let mut rng = new_generator(&check);
    let (x, t) = Spiral::default().generate(&mut rng)?;
    fn score<F: Float>(
        npz: &Npz,
        path: &Path,
        hidden: usize,
        x: &Array2<f64>,
        t: &[usize],
    ) -> Result<(usize, usize)> {
        let mut model = two_layer_net::<F>(2, hidden, 3, &mut Generator::chacha(0))?;
        load_params_from(npz, path, &mut model, &LEGACY_PARAM_NAMES)?;
        accuracy(&mut model, x.mapv(F::from_f64).view(), t)
    }
    match dtype {
        Dtype::F32 => score::<f32>(&npz, params, hidden, &x, &t),
        Dtype::F64 => score::<f64>(&npz, params, hidden, &x, &t),
    }
}

/// The float type and hidden size of saved parameters, from the first
/// layer's weight (`affine1.W`, or `W1` in a file of version 0.1).
fn saved_shape(npz: &Npz, path: &Path) -> Result<(Dtype, usize)> {
    let (name, w1) = ["affine1.W", LEGACY_PARAM_NAMES[0]]
        .into_iter()
        .find_map(|name| npz.get(name).map(|w| (name, w)))
        .ok_or_else(|| Error::file(path, "no array named affine1.W (nor W1)"))?;
    let dtype = match w1 {
        NpyArray::F32(_) => Dtype::F32,
        NpyArray::F64(_) => Dtype::F64,
        other => {
            return Err(Error::file(
                path,
                format!(
                    "{name} has dtype {}, expected float32 or float64",
                    other.dtype()
                ),
            ));
        }
    };
    match w1.shape() {
        [2, hidden] if *hidden > 0 => Ok((dtype, *hidden)),
        shape => Err(Error::file(
            path,
            format!("{name} has shape {shape:?}, the model expects [2, hidden]"),
        )),
    }
}

fn new_generator(config: &TrainConfig) -> Generator {
    match config.generator {
        // `check` has made sure the seed fits.
        GeneratorKind::Numpy => Generator::numpy(config.seed as u32),
        GeneratorKind::Std => Generator::chacha(config.seed),
    }
}

type Saved<'a> = Option<(&'a Npz, &'a Path, &'a Npz, &'a Path)>;

fn run<F: Float>(config: &TrainConfig, saved: Saved<'_>) -> Result<Outcome> {
    let out = &config.out;
    std::fs::create_dir_all(out)
        .map_err(|e| Error::file(out, format!("cannot create the directory: {e}")))?;

    // Draws in the book's order: data, W1, W2, then a permutation per epoch.
    let mut rng = new_generator(config);
    let (x64, t) = Spiral::default().generate(&mut rng)?;
    let x: Array2<F> = x64.mapv(F::from_f64);
    let model = two_layer_net::<F>(2, config.hidden, 3, &mut rng)?;
    let mut trainer = Trainer::new(model, config.optimizer.build(Some(config.learning_rate()))?);
    if let Some((params, params_path, state, state_path)) = saved {
        load_params_from(params, params_path, trainer.model(), &LEGACY_PARAM_NAMES)?;
        let run_state = RunState::<F>::from_npz(state, state_path)?;
        trainer.optimizer().load_state(&run_state.optimizer)?;
        trainer.restore(run_state.trainer);
        rng = Generator::from_state(&run_state.generator)?;
    }
    let done = trainer.epoch();
    if config.epochs <= done {
        return Err(Error::invalid(
            "nn-examples resume",
            format!("the run already has {done} epochs; ask for more with --epochs"),
        ));
    }

    let fit = FitConfig {
        max_epoch: config.epochs - done,
        batch_size: config.batch_size,
        max_grad: config.max_grad,
        eval_interval: Some(config.eval_interval),
        style: nn_train::RecordStyle::CustomLoop,
    };
    let iterations = SAMPLES / config.batch_size;
    let mut progress = for_stdout(config.quiet);
    let started = Instant::now();
    let fitted = trainer.fit(x.view(), &t, &fit, &mut rng, progress.as_mut());
    let train_seconds = started.elapsed().as_secs_f64();
    let history_path = out.join("history.json");
    if let Err(e) = fitted {
        // Keep what was learned about the run; the error says where it stopped.
        write_history(
            &history_path,
            config,
            trainer.history(),
            iterations,
            None,
            Some(&e),
        )?;
        return Err(e);
    }

    let correct = accuracy(trainer.model(), x.view(), &t)?;
    let mut files = Vec::new();
    let params_path = out.join("params.npz");
    save_params(&params_path, trainer.model(), Precision::Native)?;
    files.push(params_path);
    let state_path = out.join("state.npz");
    let mut state = RunState {
        optimizer: trainer.optimizer().state(),
        trainer: trainer.state().clone(),
        generator: rng.state(),
    }
    .to_npz();
    let u64_scalar = |v: usize| ArrayD::from_elem(IxDyn(&[]), v as u64);
    state.insert("run.epochs", u64_scalar(config.epochs));
    state.insert("run.batch_size", u64_scalar(config.batch_size));
    state.insert("run.eval_interval", u64_scalar(config.eval_interval));
    state.insert("run.seed", ArrayD::from_elem(IxDyn(&[]), config.seed));
    state.insert(
        "run.max_grad",
        Array1::from_iter(config.max_grad).into_dyn(),
    );
    state.write(&state_path)?;
    files.push(state_path);
    write_history(
        &history_path,
        config,
        trainer.history(),
        iterations,
        Some(correct),
        None,
    )?;
    files.push(history_path);

    let started = Instant::now();
    let loss_path = out.join("loss.png");
    plot::loss_curve(&loss_path, trainer.history(), config.eval_interval)?;
    files.push(loss_path);
    let boundary_path = out.join("decision_boundary.png");
    plot::decision_boundary(&boundary_path, trainer.model(), &x64, &t, config.grid_step)?;
    files.push(boundary_path);
    let plot_seconds = started.elapsed().as_secs_f64();

    Ok(Outcome {
        history: trainer.history().to_vec(),
        iterations,
        accuracy: correct,
        train_seconds,
        plot_seconds,
        iteration_times: trainer.iteration_times().clone(),
        files,
    })
}

/// `history.json`: the settings, every loss record, and the accuracy (or the error).
fn write_history(
    path: &Path,
    config: &TrainConfig,
    history: &[Record],
    iterations: usize,
    accuracy: Option<(usize, usize)>,
    error: Option<&Error>,
) -> Result<()> {
    let mut json = String::from("{\n");
    let _ = writeln!(json, "  \"optimizer\": \"{}\",", config.optimizer);
    let _ = writeln!(json, "  \"learning_rate\": {:?},", config.learning_rate());
    let _ = writeln!(json, "  \"batch_size\": {},", config.batch_size);
    let _ = writeln!(json, "  \"hidden_size\": {},", config.hidden);
    let _ = writeln!(json, "  \"eval_interval\": {},", config.eval_interval);
    let _ = writeln!(json, "  \"iterations_per_epoch\": {iterations},");
    json.push_str("  \"records\": [");
    for (i, r) in history.iter().enumerate() {
        let sep = if i == 0 { "\n" } else { ",\n" };
        let _ = write!(
            json,
            "{sep}    {{\"epoch\": {}, \"iteration\": {}, \"loss\": {:?}}}",
            r.epoch, r.iteration, r.loss
        );
    }
    json.push_str("\n  ],\n");
    match (accuracy, error) {
        (Some((correct, total)), _) => {
            let _ = writeln!(json, "  \"correct\": {correct},\n  \"total\": {total},");
            let _ = writeln!(json, "  \"accuracy\": {:?}", correct as f64 / total as f64);
        }
        (None, Some(e)) => {
            let text = e.to_string().replace('\\', "\\\\").replace('"', "\\\"");
            let _ = writeln!(json, "  \"error\": \"{text}\"");
        }
        (None, None) => json.push_str("  \"accuracy\": null\n"),
    }
    json.push_str("}\n");
    write_atomic(path, |file| {
        std::io::Write::write_all(file, json.as_bytes())
    })
}
