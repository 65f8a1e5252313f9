//! `RnnlmTrainer` (`common/trainer.py`): truncated BPTT over one long corpus.

use std::fmt;
use std::path::Path;
use std::time::Instant;

use ndarray::{Array2, ArrayD, ArrayView2, IxDyn};
use nn_core::{Error, Float, Result};
use nn_optim::{Optimizer, clip_grads};
use nn_train::{
    GeneratorState, IterationTimes, NpyArray, Npz, Precision, as_float, float_array,
    insert_generator, insert_optimizer, load_params_from, params_npz, read_generator,
    read_optimizer,
};

use super::LanguageModel;

/// The settings of one [`RnnlmTrainer::fit`]; `Default` is the book's
/// `fit(xs, ts, max_epoch=10, batch_size=20, time_size=35, max_grad=None,
/// eval_interval=20)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitConfig {
    /// Passes over the corpus.
    pub max_epoch: usize,
    /// Streams read side by side (`N`).
    pub batch_size: usize,
    /// Steps per batch, the truncated BPTT length (`T`).
    pub time_size: usize,
    /// Clip the gradients' global norm to this (`clip_grads`).
    pub max_grad: Option<f64>,
    /// Report the perplexity every this many iterations (`iters %
    /// eval_interval == 0`, so the first iteration too); `None`: never.
    pub eval_interval: Option<usize>,
    /// Stop after this many iterations of this call, within an epoch if
    /// need be (the next [`fit_more`](RnnlmTrainer::fit_more) goes on from
    /// there); `None`: run the `max_epoch` epochs.
    pub max_iterations: Option<usize>,
}

impl Default for FitConfig {
    fn default() -> Self {
        Self {
            max_epoch: 10,
            batch_size: 20,
            time_size: 35,
            max_grad: None,
            eval_interval: Some(20),
            max_iterations: None,
        }
    }
}

/// One perplexity report; its `Display` is the book's line, `| epoch 1 |
/// iter 1 / 1327 | time 0[s] | perplexity 10000.84`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IterationReport {
    /// The epoch, from 1 (the trainer's epochs over all `fit` calls).
    pub epoch: usize,
    /// The iteration within the epoch, from 1.
    pub iteration: usize,
    /// Iterations per epoch.
    pub iterations: usize,
    /// Seconds since the `fit` began.
    pub seconds: f64,
    /// `exp` of the mean loss since the previous report.
    pub perplexity: f64,
}

impl fmt::Display for IterationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "| epoch {} |  iter {} / {} | time {}[s] | perplexity {:.2}",
            self.epoch, self.iteration, self.iterations, self.seconds as u64, self.perplexity
        )
    }
}

/// The book's `RnnlmTrainer(model, optimizer)`: reads the corpus as
/// `batch_size` streams starting `len / batch_size` words apart, `time_size`
/// words per batch (the book's `offsets` and `time_idx`), so that the
/// model's carried state follows each stream from batch to batch; each
/// iteration is a forward, a backward, the optional clipping of the
/// gradients' global norm and an optimizer step. Every `eval_interval`
/// iterations it reports the perplexity of the losses since the last report
/// and records it (`ppl_list`, for the plot).
///
/// As the book's, one `fit` starts reading at the corpus's start; the epoch
/// count, the pending losses and the model's state go on from one `fit` to
/// the next (`train_better_rnnlm.py` calls `fit` once per epoch). A
/// checkpoint ([`save_checkpoint`](Self::save_checkpoint)) holds all of it
/// and the parameters, so a run continued from one is the run that wasn't
/// interrupted.
pub struct RnnlmTrainer<F: Float, M> {
    model: M,
    optimizer: Box<dyn Optimizer<F> + Send>,
    time_idx: usize,
    current_epoch: usize,
    /// Iterations done in the current epoch (0 between epochs).
    iteration: usize,
    ppl_list: Vec<f64>,
    eval_interval: Option<usize>,
    total_loss: f64,
    loss_count: usize,
    /// Seconds of earlier runs of this `fit` (a resumed checkpoint's).
    seconds_before: f64,
    batch_x: Array2<usize>,
    batch_t: Array2<isize>,
    times: IterationTimes,
}

impl<F: Float, M: LanguageModel<F>> RnnlmTrainer<F, M> {
    /// A trainer for `model` with `optimizer` (the book's `SGD(lr)`).
    pub fn new(model: M, optimizer: Box<dyn Optimizer<F> + Send>) -> Self {
        Self {
            model,
            optimizer,
            time_idx: 0,
            current_epoch: 0,
            iteration: 0,
            ppl_list: Vec::new(),
            eval_interval: None,
            total_loss: 0.0,
            loss_count: 0,
            seconds_before: 0.0,
            batch_x: Array2::zeros((0, 0)),
            batch_t: Array2::zeros((0, 0)),
            times: IterationTimes::default(),
        }
    }

    /// The time of each iteration of the last `fit` or `fit_more` (batch,
    /// forward, backward, clipping, update; not evaluation), for its
    /// median. A run of several calls gathers them with
    /// [`IterationTimes::append`].
    pub fn iteration_times(&self) -> &IterationTimes {
        &self.times
    }

    /// The model.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The model, mutably (to evaluate it between `fit`s, as the book does).
    pub fn model_mut(&mut self) -> &mut M {
        &mut self.model
    }

    /// The trainer's model, consuming the trainer.
    pub fn into_model(self) -> M {
        self.model
    }

    /// The optimizer (its learning rate can be changed between `fit`s: the
    /// book's `optimizer.lr = lr`).
    pub fn optimizer_mut(&mut self) -> &mut (dyn Optimizer<F> + Send) {
        &mut *self.optimizer
    }

    /// Epochs trained so far, over all `fit` calls.
    pub fn current_epoch(&self) -> usize {
        self.current_epoch
    }

    /// The perplexities reported by the last `fit` (the book's `ppl_list`).
    pub fn ppl_list(&self) -> &[f64] {
        &self.ppl_list
    }

    /// The book's `fit(xs, ts, ...)`: `config.max_epoch` epochs over `xs`
    /// and its targets `ts` (the book passes `corpus[:-1]` and
    /// `corpus[1:]`), reading from the corpus's start; `report` gets each
    /// perplexity report.
    ///
    /// # Errors
    /// `xs` and `ts` of different lengths, a corpus shorter than one batch,
    /// a zero size, ids outside the vocabulary, or a failed step (a
    /// non-finite loss or gradient), named with its epoch and iteration.
    pub fn fit(
        &mut self,
        xs: &[usize],
        ts: &[usize],
        config: &FitConfig,
        report: &mut dyn FnMut(&IterationReport),
    ) -> Result<()> {
        self.time_idx = 0;
        self.iteration = 0;
        self.ppl_list.clear();
        self.seconds_before = 0.0;
        self.fit_more(xs, ts, config, report)
    }

    /// As [`fit`](Self::fit), but reading on where the last `fit` stopped,
    /// with its `ppl_list` and clock: `fit` of 4 epochs is `fit` of 1 and
    /// `fit_more` of 3 (what a run resumed from a checkpoint does). After a
    /// `fit` stopped within an epoch by `max_iterations`, it finishes that
    /// epoch first (one of `max_epoch`).
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn fit_more(
        &mut self,
        xs: &[usize],
        ts: &[usize],
        config: &FitConfig,
        report: &mut dyn FnMut(&IterationReport),
    ) -> Result<()> {
        const OP: &str = "RnnlmTrainer.fit";
        let (n, t) = (config.batch_size, config.time_size);
        if xs.len() != ts.len() {
            return Err(Error::invalid(
                OP,
                format!("{} inputs but {} targets", xs.len(), ts.len()),
            ));
        }
        if n == 0 || t == 0 || config.eval_interval == Some(0) {
            return Err(Error::invalid(
                OP,
                format!(
                    "batch_size, time_size and eval_interval must be at least 1 \
                     (got {n}, {t}, {:?})",
                    config.eval_interval
                ),
            ));
        }
        let data_size = xs.len();
        let max_iters = data_size / (n * t);
        if max_iters == 0 {
            return Err(Error::invalid(
                OP,
                format!(
                    "a corpus of {data_size} words is shorter than one batch of {n} × {t} words"
                ),
            ));
        }
        let vocab = self.model.vocab_size();
        if let Some(at) = xs.iter().chain(ts).position(|&id| id >= vocab) {
            let id = if at < data_size {
                xs[at]
            } else {
                ts[at - data_size]
            };
            return Err(Error::invalid(
                OP,
                format!("word id {id} is outside the model's vocabulary of {vocab}"),
            ));
        }
        self.eval_interval = config.eval_interval;
        self.resize_batch(n, t);
        let jump = data_size / n;
        let start = Instant::now();
        let mut left = config.max_iterations.unwrap_or(usize::MAX);
        self.times
            .start((config.max_epoch * max_iters).min(left).min(1 << 20));
        'epochs: for _ in 0..config.max_epoch {
            while self.iteration < max_iters {
                if left == 0 {
                    break 'epochs;
                }
                let iter = self.iteration;
                let step = Instant::now();
                self.step(xs, ts, jump, config.max_grad)
                    .map_err(|source| Error::Training {
                        epoch: self.current_epoch + 1,
                        iteration: iter + 1,
                        source: Box::new(source),
                    })?;
                self.times.record(step.elapsed());
                self.iteration += 1;
                left -= 1;
                if let Some(interval) = config.eval_interval
                    && iter % interval == 0
                {
                    let perplexity = (self.total_loss / self.loss_count as f64).exp();
                    report(&IterationReport {
                        epoch: self.current_epoch + 1,
                        iteration: iter + 1,
                        iterations: max_iters,
                        seconds: self.seconds_before + start.elapsed().as_secs_f64(),
                        perplexity,
                    });
                    self.ppl_list.push(perplexity);
                    self.total_loss = 0.0;
                    self.loss_count = 0;
                }
            }
            self.iteration = 0;
            self.current_epoch += 1;
        }
        self.seconds_before += start.elapsed().as_secs_f64();
        Ok(())
    }

    /// Iterations done in the current epoch: 0 between epochs, more after a
    /// `fit` that `max_iterations` stopped within one.
    pub fn iteration(&self) -> usize {
        self.iteration
    }

    /// The book's `get_batch(x, t, batch_size, time_size)`: the next
    /// `time_size` words of each of `batch_size` streams that start
    /// `len / batch_size` words apart in `xs` (and their targets in `ts`),
    /// wrapping at the end, `(N, T)` each; the trainer's place in the
    /// corpus moves on by `time_size`, as the book's `time_idx`. `fit` reads
    /// its batches this way.
    ///
    /// ```
    /// use nn_models::rnnlm::{Rnnlm, RnnlmTrainer};
    /// use nn_optim::OptimizerKind;
    /// use nn_train::NumpyRandom;
    /// let model = Rnnlm::<f32>::new(10, 4, 4, &mut NumpyRandom::new(0))?;
    /// let mut trainer = RnnlmTrainer::new(model, OptimizerKind::Sgd.build(Some(1.0))?);
    /// let corpus: Vec<usize> = (0..10).collect();
    /// let (x, t) = trainer.get_batch(&corpus[..9], &corpus[1..], 3, 2)?;
    /// assert_eq!(x, ndarray::array![[0, 1], [3, 4], [6, 7]]);
    /// assert_eq!(t, ndarray::array![[1, 2], [4, 5], [7, 8]]);
    /// let (x, _) = trainer.get_batch(&corpus[..9], &corpus[1..], 3, 2)?;
    /// assert_eq!(x.row(0), ndarray::array![2, 3]); // on from time_idx 2
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// `xs` and `ts` of different lengths, a zero size, or a corpus shorter
    /// than `batch_size`.
    pub fn get_batch(
        &mut self,
        xs: &[usize],
        ts: &[usize],
        batch_size: usize,
        time_size: usize,
    ) -> Result<(ArrayView2<'_, usize>, ArrayView2<'_, isize>)> {
        const OP: &str = "RnnlmTrainer.get_batch";
        if xs.len() != ts.len() || batch_size == 0 || time_size == 0 || xs.len() < batch_size {
            return Err(Error::invalid(
                OP,
                format!(
                    "xs and ts of one length, at least batch_size ≥ 1 words, and time_size ≥ 1 \
                     are needed (xs: {}, ts: {}, batch_size {batch_size}, time_size {time_size})",
                    xs.len(),
                    ts.len()
                ),
            ));
        }
        self.resize_batch(batch_size, time_size);
        self.fill_batch(xs, ts, xs.len() / batch_size);
        Ok((self.batch_x.view(), self.batch_t.view()))
    }

    fn resize_batch(&mut self, n: usize, t: usize) {
        if self.batch_x.dim() != (n, t) {
            self.batch_x = Array2::zeros((n, t));
            self.batch_t = Array2::zeros((n, t));
        }
    }

    /// The next batch into the buffers (the book's `get_batch`).
    fn fill_batch(&mut self, xs: &[usize], ts: &[usize], jump: usize) {
        let data_size = xs.len();
        let (n, t) = self.batch_x.dim();
        for time in 0..t {
            for i in 0..n {
                let at = (i * jump + self.time_idx) % data_size;
                self.batch_x[[i, time]] = xs[at];
                self.batch_t[[i, time]] = ts[at] as isize;
            }
            self.time_idx += 1;
        }
    }

    /// One iteration: the book's `get_batch`, forward, backward, clipping,
    /// update.
    fn step(
        &mut self,
        xs: &[usize],
        ts: &[usize],
        jump: usize,
        max_grad: Option<f64>,
    ) -> Result<()> {
        self.fill_batch(xs, ts, jump);
        let loss = self
            .model
            .forward(self.batch_x.view(), self.batch_t.view())?;
        self.model.backward()?;
        if let Some(max_norm) = max_grad {
            clip_grads(&mut self.model, max_norm)?;
        }
        let _: nn_optim::Update = self.optimizer.update(&mut self.model)?;
        // The book's loss is a float64 (a float32 sum over an int64 count),
        // summed in float64.
        self.total_loss += loss.as_f64();
        self.loss_count += 1;
        Ok(())
    }

    /// Writes everything a resumed run needs to `path`, atomically (see
    /// [`checkpoint`](Self::checkpoint)).
    ///
    /// # Errors
    /// An I/O error.
    pub fn save_checkpoint(&mut self, path: impl AsRef<Path>) -> Result<()> {
        self.checkpoint()?.write(path)
    }

    /// Everything a resumed run needs, as named arrays: the parameters in
    /// full precision (`param.lstm.Wx`, …), the optimizer (its learning rate
    /// included), the trainer's position in the corpus, epoch, pending
    /// losses, perplexity history and clock, the model's carried state, and
    /// its dropout generator. A caller may add arrays of its own (under
    /// other prefixes) before writing it.
    ///
    /// # Errors
    /// None in practice (the model's parameters are visited).
    pub fn checkpoint(&mut self) -> Result<Npz> {
        let mut npz = Npz::new();
        for (name, array) in params_npz(&mut self.model, Precision::Native)? {
            npz.insert(format!("param.{name}"), array);
        }
        insert_optimizer(&mut npz, &self.optimizer.state());
        let scalar = |v: u64| NpyArray::from(ArrayD::from_elem(IxDyn(&[]), v));
        npz.insert("trainer.model", bytes(self.model.name().as_bytes()));
        npz.insert("trainer.time_idx", scalar(self.time_idx as u64));
        npz.insert("trainer.current_epoch", scalar(self.current_epoch as u64));
        npz.insert("trainer.iteration", scalar(self.iteration as u64));
        npz.insert("trainer.loss_count", scalar(self.loss_count as u64));
        npz.insert(
            "trainer.eval_interval",
            scalar(self.eval_interval.map_or(0, |i| i as u64)),
        );
        npz.insert(
            "trainer.total_loss",
            NpyArray::from(ArrayD::from_elem(IxDyn(&[]), self.total_loss)),
        );
        npz.insert(
            "trainer.seconds",
            NpyArray::from(ArrayD::from_elem(IxDyn(&[]), self.seconds_before)),
        );
        npz.insert(
            "trainer.ppl_list",
            NpyArray::F64(ndarray::Array1::from(self.ppl_list.clone()).into_dyn()),
        );
        for (i, s) in self.model.carried_state().into_iter().enumerate() {
            npz.insert(format!("state.{i}"), float_array(s.into_dyn()));
        }
        if let Some(rng) = self.model.dropout_rng() {
            let state = GeneratorState::of_shared(rng).ok_or_else(|| {
                Error::invalid(
                    "RnnlmTrainer.checkpoint",
                    format!(
                        "the state of the dropout generator, a {}, can't be saved: \
                         use nn_train::NumpyRandom, nn_train::Generator or rand_chacha::ChaCha12Rng",
                        rng.type_name()
                    ),
                )
            })?;
            insert_generator(&mut npz, &state);
        }
        Ok(npz)
    }

    /// Restores a checkpoint written by [`save_checkpoint`](Self::save_checkpoint)
    /// (see [`restore`](Self::restore)).
    ///
    /// # Errors
    /// As [`restore`](Self::restore), and a missing or damaged file.
    pub fn load_checkpoint(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        self.restore(&Npz::read(path)?, path)
    }

    /// Restores what [`checkpoint`](Self::checkpoint) made, for a model of
    /// the same kind and sizes; the next [`fit_more`](Self::fit_more)
    /// continues the run exactly. `path` names the arrays in messages.
    ///
    /// # Errors
    /// A checkpoint of another model, sizes or optimizer, or arrays missing
    /// or of the wrong type. The trainer may be partly restored on error;
    /// build a new one.
    pub fn restore(&mut self, npz: &Npz, path: &Path) -> Result<()> {
        let r = npz.fields(path);
        let model = String::from_utf8_lossy(&r.bytes("trainer.model")?).into_owned();
        if model != self.model.name() {
            return Err(Error::file(
                path,
                format!("a checkpoint of {model}, not of {}", self.model.name()),
            ));
        }
        let mut params = Npz::new();
        for key in npz.names() {
            if let (Some(name), Some(array)) = (key.strip_prefix("param."), npz.get(key)) {
                params.insert(name, array.clone());
            }
        }
        let legacy = self.model.legacy_param_names();
        load_params_from(&params, path, &mut self.model, legacy)?;
        self.optimizer.load_state(&read_optimizer(npz, path)?)?;
        self.time_idx = r.u64_scalar("trainer.time_idx")? as usize;
        self.current_epoch = r.u64_scalar("trainer.current_epoch")? as usize;
        // Checkpoints of version 0.1 stop only between epochs.
        self.iteration = match npz.get("trainer.iteration") {
            Some(_) => r.u64_scalar("trainer.iteration")? as usize,
            None => 0,
        };
        self.loss_count = r.u64_scalar("trainer.loss_count")? as usize;
        self.eval_interval = match r.u64_scalar("trainer.eval_interval")? {
            0 => None,
            i => Some(i as usize),
        };
        self.total_loss = r.f64_scalar("trainer.total_loss")?;
        self.seconds_before = r.f64_scalar("trainer.seconds")?;
        self.ppl_list = r.f64_vector("trainer.ppl_list")?;
        let mut state = Vec::new();
        while let Some(array) = npz.get(&format!("state.{}", state.len())) {
            let a = as_float::<F>(array)
                .and_then(|a| a.clone().into_dimensionality().ok())
                .ok_or_else(|| r.wrong(&format!("state.{}", state.len()), "a matrix"))?;
            state.push(a);
        }
        self.model.set_carried_state(&state)?;
        if let Some(rng) = self.model.dropout_rng() {
            read_generator(npz, path)?
                .restore_shared(rng)
                .map_err(|e| Error::file(path, e.to_string()))?;
        }
        Ok(())
    }
}

fn bytes(b: &[u8]) -> NpyArray {
    NpyArray::U8(ndarray::Array1::from(b.to_vec()).into_dyn())
}
