//! The book's `Trainer` (`common/trainer.py`): mini-batch training with a
//! per-epoch shuffle, optional gradient clipping and a loss history.

use std::time::Instant;

use crate::IterationTimes;

use ndarray::{Array2, ArrayView2, Axis, s};
use nn_core::{Error, Float, Labels, Parameters, Result, Sequential};
use nn_optim::{Optimizer, Update, clip_grads};

use crate::{Progress, Shuffle};

/// The arguments of the book's `Trainer.fit`; `Default` is the book's
/// (`max_epoch=10, batch_size=32, max_grad=None, eval_interval=20`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitConfig {
    /// Epochs to run in this call.
    pub max_epoch: usize,
    /// Samples per batch; the last `n % batch_size` samples of each epoch's
    /// order are not used, as in the book.
    pub batch_size: usize,
    /// Clip the gradients' global norm to this before each update.
    pub max_grad: Option<f64>,
    /// Record the mean loss every this many iterations (counted over the
    /// whole run, so with the book's 10 iterations per epoch and 10 here,
    /// one record closes each epoch).
    pub eval_interval: Option<usize>,
    /// When records are made and what their lines show.
    pub style: RecordStyle,
}

/// The two loops of the book, which record the loss at different moments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RecordStyle {
    /// Chapter 1's `train_custom_loop.py` (the default run): a record every
    /// `eval_interval` iterations counted over the whole run,
    /// `| epoch 1 |  iter 10 / 10 | loss 1.13`.
    #[default]
    CustomLoop,
    /// `common/trainer.py`'s `Trainer.fit`: a record after iteration `i` of
    /// each epoch (from 0) when `i % eval_interval == 0`, so the first covers
    /// one iteration, with the seconds since `fit` began:
    /// `| epoch 1 |  iter 21 / 9295 | time 1[s] | loss 4.15`.
    Trainer,
}

impl Default for FitConfig {
    fn default() -> Self {
        Self {
            max_epoch: 10,
            batch_size: 32,
            max_grad: None,
            eval_interval: Some(20),
            style: RecordStyle::CustomLoop,
        }
    }
}

/// One entry of the loss history: the mean batch loss of the iterations since
/// the previous entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Record {
    /// The epoch, from 1.
    pub epoch: usize,
    /// The iteration within the epoch, from 1.
    pub iteration: usize,
    /// The mean loss.
    pub loss: f64,
    /// Seconds since `fit` began, in [`RecordStyle::Trainer`]'s records.
    pub seconds: Option<f64>,
}

impl Record {
    /// The line the book prints: `| epoch 1 |  iter 10 / 10 | loss 1.13`, or
    /// with the time, `| epoch 1 |  iter 21 / 9295 | time 1[s] | loss 4.15`
    /// (whole seconds, truncated, as the book's `%d`).
    pub fn book_line(&self, iterations: usize) -> String {
        match self.seconds {
            Some(seconds) => format!(
                "| epoch {} |  iter {} / {} | time {}[s] | loss {:.2}",
                self.epoch, self.iteration, iterations, seconds as u64, self.loss
            ),
            None => format!(
                "| epoch {} |  iter {} / {} | loss {:.2}",
                self.epoch, self.iteration, iterations, self.loss
            ),
        }
    }
}

/// What a [`Trainer`] trains: a loss over a batch of samples, one per row of
/// `x`, each with the same number of labels (one for a classifier), and a
/// backward pass that fills the parameters' gradients.
///
/// [`Sequential`] is one (rows of features, class labels); chapter 4's CBOW
/// is another (rows of context word ids, target word ids); chapter 7's
/// seq2seq a third (rows of question character ids, rows of answer ids).
pub trait Model<F: Float>: Parameters<F> {
    /// The element of a sample's row: `F` for features, `usize` for word ids.
    type Input: Copy + Default;
    /// A sample's label.
    type Label: Copy;

    /// The mean loss of the batch, caching what `backward` needs. `t` holds
    /// `t.len() / x.nrows()` labels per sample, sample after sample.
    ///
    /// # Errors
    /// Data the model can't take, or a non-finite loss.
    fn forward(&mut self, x: ArrayView2<'_, Self::Input>, t: &[Self::Label]) -> Result<F>;

    /// Fills every parameter's gradient for the last `forward` (the book's
    /// `backward(dout=1)`).
    ///
    /// # Errors
    /// Called before `forward`.
    fn backward(&mut self) -> Result<()>;

    /// As [`backward`](Self::backward) from the upstream gradient `dout` =
    /// ∂L/∂loss (the book's `backward(dout)`): every gradient scaled by it.
    /// The default runs `backward` and scales the gradients; a model that
    /// passes `dout` to its loss layer gives the same numbers to rounding.
    ///
    /// # Errors
    /// Called before `forward`, or `dout` not finite.
    fn backward_with(&mut self, dout: F) -> Result<()> {
        self.backward()?;
        nn_optim::scale_grads(self, dout)
    }

    /// Checks the whole data set before the first step, so that a bad row is
    /// refused up front rather than in epoch 37. The default accepts all.
    ///
    /// # Errors
    /// Data the model can't take.
    fn check_data(&mut self, x: ArrayView2<'_, Self::Input>, t: &[Self::Label]) -> Result<()> {
        let _ = (x, t);
        Ok(())
    }

    /// Switches dropout on (training, the default) or off, as
    /// [`Layer::set_training`](nn_core::Layer::set_training) does for one
    /// layer. Models without dropout ignore it (the default).
    fn set_training(&mut self, training: bool) {
        let _ = training;
    }
}

impl<F: Float> Model<F> for Sequential<F> {
    type Input = F;
    type Label = usize;

    fn forward(&mut self, x: ArrayView2<'_, F>, t: &[usize]) -> Result<F> {
        Sequential::forward(self, x, Labels::Indices(t.into()))
    }

    fn backward(&mut self) -> Result<()> {
        self.backward_params()
    }

    fn backward_with(&mut self, dout: F) -> Result<()> {
        self.backward_params_with(dout)
    }

    fn set_training(&mut self, training: bool) {
        Sequential::set_training(self, training);
    }

    /// Every feature finite, and one sample through the model: its columns
    /// and the class count are checked before any step.
    fn check_data(&mut self, x: ArrayView2<'_, F>, t: &[usize]) -> Result<()> {
        const OP: &str = "Trainer.fit";
        if let Some(((row, col), v)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(Error::NonFinite {
                op: OP,
                what: format!("x[{row}, {col}]"),
                value: v.as_f64(),
            });
        }
        let classes = self.predict(x.slice(s![..1, ..]))?.ncols();
        if let Some((row, &label)) = t.iter().enumerate().find(|&(_, &label)| label >= classes) {
            return Err(Error::LabelOutOfRange {
                op: OP,
                row,
                label,
                classes,
            });
        }
        Ok(())
    }
}

/// Where a trainer is in its run: what a checkpoint must hold, beyond the
/// model and the optimizer, to resume bit for bit.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainerState {
    /// Epochs completed.
    pub epoch: usize,
    /// Iterations completed over all epochs.
    pub iterations: usize,
    /// The current order of the training data, as indices into the data
    /// given to `fit` (the book reorders the data itself every epoch, so the
    /// permutations compose).
    pub order: Vec<usize>,
    /// Loss summed since the last record, and over how many iterations.
    pub pending: (f64, usize),
    /// The loss history.
    pub history: Vec<Record>,
}

/// Trains a [`Model`] (by default a [`Sequential`]) with any optimizer, as
/// the book's `Trainer`.
///
/// ```
/// use nn_core::{Affine, Init, Sequential, Sigmoid, SoftmaxWithLoss};
/// use nn_optim::OptimizerKind;
/// use nn_train::{FitConfig, NumpyRandom, Silent, Spiral, Trainer};
///
/// let mut rng = NumpyRandom::new(1984);
/// let (x, t) = Spiral::default().generate(&mut rng)?;
/// let model = Sequential::new(SoftmaxWithLoss::new())
///     .with(Affine::init(2, 10, Init::BOOK, &mut rng)?)
///     .with(Sigmoid::new())
///     .with(Affine::init(10, 3, Init::BOOK, &mut rng)?);
/// let mut trainer = Trainer::new(model, OptimizerKind::Sgd.build(Some(1.0))?);
/// let config = FitConfig { max_epoch: 20, batch_size: 30, eval_interval: Some(10), ..FitConfig::default() };
/// trainer.fit(x.view(), &t, &config, &mut rng, &mut Silent)?;
/// assert_eq!(trainer.history().len(), 20);
/// # Ok::<(), nn_core::Error>(())
/// ```
pub struct Trainer<F: Float, M: Model<F> = Sequential<F>> {
    model: M,
    optimizer: Box<dyn Optimizer<F> + Send>,
    state: TrainerState,
    /// The data in the current order, and the buffers of the reordering.
    x: Array2<M::Input>,
    t: Vec<M::Label>,
    permutation: Vec<usize>,
    composed: Vec<usize>,
    times: IterationTimes,
}

impl<F: Float, M: Model<F>> Trainer<F, M> {
    /// A trainer for `model` updating it with `optimizer`.
    pub fn new(model: M, optimizer: Box<dyn Optimizer<F> + Send>) -> Self {
        Self {
            model,
            optimizer,
            state: TrainerState {
                epoch: 0,
                iterations: 0,
                order: Vec::new(),
                pending: (0.0, 0),
                history: Vec::new(),
            },
            x: Array2::default((0, 0)),
            t: Vec::new(),
            permutation: Vec::new(),
            composed: Vec::new(),
            times: IterationTimes::default(),
        }
    }

    /// The time of each iteration of the last `fit` (forward, backward,
    /// clipping, update), for its median.
    pub fn iteration_times(&self) -> &IterationTimes {
        &self.times
    }

    /// The model.
    pub fn model(&mut self) -> &mut M {
        &mut self.model
    }

    /// The optimizer.
    pub fn optimizer(&mut self) -> &mut (dyn Optimizer<F> + Send) {
        &mut *self.optimizer
    }

    /// The loss records so far.
    pub fn history(&self) -> &[Record] {
        &self.state.history
    }

    /// Epochs completed.
    pub fn epoch(&self) -> usize {
        self.state.epoch
    }

    /// Where the run is, for a checkpoint.
    pub fn state(&self) -> &TrainerState {
        &self.state
    }

    /// Continues from a checkpoint's state (with the model and optimizer
    /// restored separately).
    pub fn restore(&mut self, state: TrainerState) {
        self.state = state;
    }

    /// Takes the model and optimizer back.
    pub fn into_parts(self) -> (M, Box<dyn Optimizer<F> + Send>) {
        (self.model, self.optimizer)
    }

    /// Trains for `config.max_epoch` more epochs on `x` (one sample per row)
    /// with class labels `t` (one per sample), drawing each epoch's
    /// permutation from `shuffle`.
    ///
    /// # Errors
    /// Invalid settings or data (refused before any step), or an error of a
    /// step, such as a non-finite loss, as [`Error::Training`] naming the
    /// epoch and iteration. Records made before the error are kept.
    pub fn fit(
        &mut self,
        x: ArrayView2<'_, M::Input>,
        t: &[M::Label],
        config: &FitConfig,
        shuffle: &mut dyn Shuffle,
        progress: &mut dyn Progress,
    ) -> Result<()> {
        let t = ArrayView2::from_shape((t.len(), 1), t)
            .map_err(|e| Error::invalid("Trainer.fit", e.to_string()))?;
        self.fit_rows(x, t, config, shuffle, progress)
    }

    /// [`fit`](Self::fit) with a row of labels per sample (`t` `(N, L)`):
    /// chapter 7's answers, whose characters are the decoder's inputs and
    /// targets. The rows of `x` and `t` are shuffled together.
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn fit_rows(
        &mut self,
        x: ArrayView2<'_, M::Input>,
        t: ArrayView2<'_, M::Label>,
        config: &FitConfig,
        shuffle: &mut dyn Shuffle,
        progress: &mut dyn Progress,
    ) -> Result<()> {
        let iterations = check_fit(x, t.nrows(), config)?;
        if t.ncols() == 0 {
            return Err(Error::Empty {
                op: "Trainer.fit",
                shape: t.shape().to_vec(),
            });
        }
        let flat: Vec<M::Label> = t.iter().copied().collect();
        self.model.check_data(x, &flat)?;
        let n = x.nrows();
        if self.state.order.len() != n || self.state.order.iter().any(|&i| i >= n) {
            self.state.order = (0..n).collect();
        }
        progress.start(config.max_epoch, iterations);
        let result = self.epochs(x, t, config, iterations, shuffle, progress);
        progress.finish();
        result
    }

    fn epochs(
        &mut self,
        x: ArrayView2<'_, M::Input>,
        t: ArrayView2<'_, M::Label>,
        config: &FitConfig,
        iterations: usize,
        shuffle: &mut dyn Shuffle,
        progress: &mut dyn Progress,
    ) -> Result<()> {
        let (n, batch, width) = (x.nrows(), config.batch_size, t.ncols());
        if self.x.dim() != x.dim() {
            self.x = Array2::default(x.dim());
        }
        let start = Instant::now();
        self.times.start(config.max_epoch * iterations);
        for _ in 0..config.max_epoch {
            let epoch = self.state.epoch + 1;
            // idx = permutation(n); x = x[idx]: the new order of the original rows.
            self.permutation.clear();
            self.permutation.extend(0..n);
            shuffle.shuffle_indices(&mut self.permutation);
            self.composed.clear();
            self.composed
                .extend(self.permutation.iter().map(|&i| self.state.order[i]));
            std::mem::swap(&mut self.state.order, &mut self.composed);
            self.t.clear();
            for (i, &row) in self.state.order.iter().enumerate() {
                self.x.row_mut(i).assign(&x.row(row));
                self.t.extend(t.row(row).iter().copied());
            }

            for it in 0..iterations {
                let at = |source| Error::Training {
                    epoch,
                    iteration: it + 1,
                    source: Box::new(source),
                };
                let rows = it * batch..(it + 1) * batch;
                let labels = rows.start * width..rows.end * width;
                let step = Instant::now();
                let loss = self
                    .model
                    .forward(self.x.slice(s![rows, ..]), &self.t[labels])
                    .map_err(at)?;
                self.model.backward().map_err(at)?;
                if let Some(max_norm) = config.max_grad {
                    clip_grads(&mut self.model, max_norm).map_err(at)?;
                }
                // `Skipped` only happens when the caller chose NonFinite::Skip;
                // the step's loss still counts, as the book counts every batch.
                let _: Update = self.optimizer.update(&mut self.model).map_err(at)?;
                self.times.record(step.elapsed());
                let loss = loss.as_f64();
                self.state.iterations += 1;
                self.state.pending.0 += loss;
                self.state.pending.1 += 1;
                progress.iteration(epoch, it + 1, loss);
                let due = match (config.eval_interval, config.style) {
                    (None, _) => false,
                    (Some(n), RecordStyle::CustomLoop) => self.state.iterations % n == 0,
                    (Some(n), RecordStyle::Trainer) => it % n == 0,
                };
                if due {
                    let (sum, count) = std::mem::take(&mut self.state.pending);
                    let record = Record {
                        epoch,
                        iteration: it + 1,
                        loss: sum / count as f64,
                        seconds: (config.style == RecordStyle::Trainer)
                            .then(|| start.elapsed().as_secs_f64()),
                    };
                    self.state.history.push(record);
                    progress.record(&record, iterations);
                }
            }
            self.state.epoch += 1;
        }
        Ok(())
    }
}

/// Validates `fit`'s arguments; returns the iterations per epoch.
fn check_fit<X>(x: ArrayView2<'_, X>, labels: usize, config: &FitConfig) -> Result<usize> {
    const OP: &str = "Trainer.fit";
    if x.is_empty() {
        return Err(Error::Empty {
            op: OP,
            shape: x.shape().to_vec(),
        });
    }
    if labels != x.nrows() {
        return Err(Error::shape(
            OP,
            format!(
                "{} labels for {} samples (x: {:?})",
                labels,
                x.nrows(),
                x.shape()
            ),
        ));
    }
    if config.batch_size == 0 || config.batch_size > x.nrows() {
        return Err(Error::invalid(
            OP,
            format!(
                "batch_size must be between 1 and the {} samples, got {}",
                x.nrows(),
                config.batch_size
            ),
        ));
    }
    if config.eval_interval == Some(0) {
        return Err(Error::invalid(
            OP,
            "eval_interval must be at least 1, got 0",
        ));
    }
    if let Some(g) = config.max_grad
        && !(g.is_finite() && g > 0.0)
    {
        return Err(Error::invalid(
            OP,
            format!("max_grad must be positive and finite, got {g}"),
        ));
    }
    Ok(x.nrows() / config.batch_size)
}

/// The class with the highest score in each row, in batches of `batch` rows
/// (bounded memory for large inputs, one BLAS product per batch).
///
/// # Errors
/// A zero `batch`, an error of the model, or a non-finite score.
pub fn predict_classes<F: Float>(
    model: &mut Sequential<F>,
    x: ArrayView2<'_, F>,
    batch: usize,
) -> Result<Vec<usize>> {
    const OP: &str = "predict_classes";
    if batch == 0 {
        return Err(Error::invalid(OP, "batch must be at least 1, got 0"));
    }
    let mut classes = Vec::with_capacity(x.nrows());
    for chunk in x.axis_chunks_iter(Axis(0), batch) {
        let scores = model.predict(chunk)?;
        for (i, row) in scores.rows().into_iter().enumerate() {
            let mut best = 0;
            for (j, &v) in row.iter().enumerate() {
                if !v.is_finite() {
                    return Err(Error::NonFinite {
                        op: OP,
                        what: format!("the score of class {j} for row {}", classes.len() + i),
                        value: v.as_f64(),
                    });
                }
                if v > row[best] {
                    best = j;
                }
            }
            classes.push(best);
        }
    }
    Ok(classes)
}

/// How many samples the model classifies correctly, and out of how many.
///
/// # Errors
/// Labels that don't match `x`, or as [`predict_classes`].
pub fn accuracy<F: Float>(
    model: &mut Sequential<F>,
    x: ArrayView2<'_, F>,
    t: &[usize],
) -> Result<(usize, usize)> {
    if t.len() != x.nrows() {
        return Err(Error::shape(
            "accuracy",
            format!(
                "{} labels for {} samples (x: {:?})",
                t.len(),
                x.nrows(),
                x.shape()
            ),
        ));
    }
    let predicted = predict_classes(model, x, 4096)?;
    Ok((
        predicted.iter().zip(t).filter(|(p, t)| p == t).count(),
        t.len(),
    ))
}

#[cfg(test)]
mod tests {
    use super::Record;

    #[test]
    fn book_lines_with_and_without_the_time_column() {
        let mut record = Record {
            epoch: 1,
            iteration: 21,
            loss: 4.1549,
            seconds: None,
        };
        assert_eq!(
            record.book_line(9295),
            "| epoch 1 |  iter 21 / 9295 | loss 4.15"
        );
        record.seconds = Some(1.97);
        assert_eq!(
            record.book_line(9295),
            "| epoch 1 |  iter 21 / 9295 | time 1[s] | loss 4.15"
        );
    }
}
