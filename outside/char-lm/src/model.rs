//! `CharLstm`: a two-layer LSTM over characters, built from `nn_core`'s
//! time layers and trained by `nn_models`' `RnnlmTrainer` because it
//! implements the `LanguageModel` trait.

use std::fmt;

use ndarray::{Array2, ArrayView2, ArrayView3};
use nn_core::time::{
    TimeAffine, TimeDropout, TimeEmbedding, TimeLayer, TimeLstm, TimeSoftmaxWithLoss,
};
use nn_core::{Error, ForwardState, Init, Param, Parameters, Randn, Result, SharedRng, scoped};
use nn_models::params::NamedModel;
use nn_models::rnnlm::LanguageModel;

/// Characters in, the next character's scores out: `TimeEmbedding` →
/// `TimeLSTM` → `TimeDropout` → `TimeLSTM` → `TimeDropout` → `TimeAffine`
/// → `TimeSoftmaxWithLoss`, both LSTMs stateful (truncated BPTT over the
/// text). Its parameters are `embed.W`, `lstm1.Wx`, `lstm1.Wh`, `lstm1.b`,
/// `lstm2.*` and `affine.W`, `affine.b`.
#[derive(Debug, Clone)]
pub struct CharLstm {
    layers: Layers,
    loss: TimeSoftmaxWithLoss<f32>,
    pass: ForwardState,
}

/// The layers before the loss, apart from it so that the loss can take the
/// scores they lend.
#[derive(Debug, Clone)]
struct Layers {
    embed: TimeEmbedding<f32>,
    lstm1: TimeLstm<f32>,
    drop1: TimeDropout<f32>,
    lstm2: TimeLstm<f32>,
    drop2: TimeDropout<f32>,
    affine: TimeAffine<f32>,
}

/// The sizes of a [`CharLstm`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sizes {
    /// Characters in the vocabulary.
    pub vocab: usize,
    /// Width of a character's vector.
    pub wordvec: usize,
    /// Width of each LSTM's state.
    pub hidden: usize,
    /// Share of units dropped in training, after each LSTM.
    pub dropout: f64,
}

impl CharLstm {
    /// A model of `sizes` with weights drawn from `rng` (the vectors
    /// `0.01·randn`, the LSTMs and the output layer Xavier, biases zero);
    /// the dropout masks come from `dropout_rng`.
    ///
    /// # Errors
    /// A zero size or a dropout ratio outside `[0, 1)`.
    pub fn new(sizes: Sizes, rng: &mut dyn Randn, dropout_rng: SharedRng) -> Result<Self> {
        let Sizes {
            vocab: v,
            wordvec: d,
            hidden: h,
            dropout,
        } = sizes;
        let layers = Layers {
            embed: TimeEmbedding::init(v, d, Init::BOOK, rng)?,
            lstm1: TimeLstm::init(d, h, true, Init::Xavier, rng)?,
            drop1: TimeDropout::new(dropout, dropout_rng.clone())?,
            lstm2: TimeLstm::init(h, h, true, Init::Xavier, rng)?,
            drop2: TimeDropout::new(dropout, dropout_rng)?,
            affine: TimeAffine::init(h, v, Init::Xavier, rng)?,
        };
        Ok(Self {
            layers,
            loss: TimeSoftmaxWithLoss::new(),
            pass: ForwardState::NotRun,
        })
    }

    /// The sizes of the model (its dropout ratio included).
    pub fn sizes(&self) -> Sizes {
        let (vocab, wordvec) = self.layers.embed.w().dim();
        Sizes {
            vocab,
            wordvec,
            hidden: self.layers.lstm1.hidden_size(),
            dropout: self.layers.drop1.ratio(),
        }
    }
}

impl Layers {
    /// The scores, each layer's error named by the layer.
    fn scores(
        &mut self,
        op: &'static str,
        xs: ArrayView2<'_, usize>,
    ) -> Result<ArrayView3<'_, f32>> {
        let at = |part: &'static str| move |e: Error| e.within(op, part);
        let x = self.embed.forward(xs).map_err(at("embed"))?;
        let x = self.lstm1.forward(x).map_err(at("lstm1"))?;
        let x = self.drop1.forward(x).map_err(at("drop1"))?;
        let x = self.lstm2.forward(x).map_err(at("lstm2"))?;
        let x = self.drop2.forward(x).map_err(at("drop2"))?;
        self.affine.forward(x).map_err(at("affine"))
    }
}

impl Parameters<f32> for CharLstm {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, f32>) -> Result<()>) -> Result<()> {
        let l = &mut self.layers;
        l.embed.visit_params(&mut scoped("embed", f))?;
        l.lstm1.visit_params(&mut scoped("lstm1", f))?;
        l.lstm2.visit_params(&mut scoped("lstm2", f))?;
        l.affine.visit_params(&mut scoped("affine", f))
    }
}

impl NamedModel<f32> for CharLstm {
    fn name(&self) -> &'static str {
        "CharLstm"
    }
}

impl LanguageModel<f32> for CharLstm {
    fn vocab_size(&self) -> usize {
        self.layers.embed.w().nrows()
    }

    fn predict(&mut self, xs: ArrayView2<'_, usize>) -> Result<ArrayView3<'_, f32>> {
        self.layers.scores("CharLstm.predict", xs)
    }

    fn forward(&mut self, xs: ArrayView2<'_, usize>, ts: ArrayView2<'_, isize>) -> Result<f32> {
        const OP: &str = "CharLstm.forward";
        let loss = match self.layers.scores(OP, xs) {
            Ok(scores) => self
                .loss
                .forward(scores, ts)
                .map_err(|e| e.within(OP, "loss")),
            Err(e) => Err(e),
        };
        self.pass = ForwardState::of(&loss);
        loss
    }

    fn backward(&mut self) -> Result<()> {
        const OP: &str = "CharLstm.backward";
        self.pass.check(OP)?;
        let at = |part: &'static str| move |e: Error| e.within(OP, part);
        let l = &mut self.layers;
        let d = self.loss.backward(1.0).map_err(at("loss"))?;
        let d = l.affine.backward(d).map_err(at("affine"))?;
        let d = l.drop2.backward(d).map_err(at("drop2"))?;
        let d = l.lstm2.backward(d).map_err(at("lstm2"))?;
        let d = l.drop1.backward(d).map_err(at("drop1"))?;
        let d = l.lstm1.backward(d).map_err(at("lstm1"))?;
        l.embed.backward(d).map_err(at("embed"))
    }

    fn reset_state(&mut self) {
        self.layers.lstm1.reset_state();
        self.layers.lstm2.reset_state();
    }

    fn set_training(&mut self, training: bool) {
        self.layers.drop1.set_training(training);
        self.layers.drop2.set_training(training);
    }

    fn carried_state(&self) -> Vec<Array2<f32>> {
        match (self.layers.lstm1.state(), self.layers.lstm2.state()) {
            (Some((h1, c1)), Some((h2, c2))) => {
                [h1, c1, h2, c2].iter().map(|a| a.to_owned()).collect()
            }
            _ => Vec::new(),
        }
    }

    fn set_carried_state(&mut self, state: &[Array2<f32>]) -> Result<()> {
        match state {
            [] => {
                self.reset_state();
                Ok(())
            }
            [h1, c1, h2, c2] => {
                self.layers.lstm1.set_state(h1.view(), Some(c1.view()))?;
                self.layers.lstm2.set_state(h2.view(), Some(c2.view()))
            }
            other => Err(Error::invalid(
                "CharLstm.set_carried_state",
                format!("4 arrays (h, c of each LSTM) or none, got {}", other.len()),
            )),
        }
    }

    fn dropout_rng(&self) -> Option<&SharedRng> {
        Some(self.layers.drop1.rng())
    }
}

impl fmt::Display for CharLstm {
    /// The architecture and its parameter count:
    /// `CharLstm(V=65, D=32, H=128, dropout 0.2): 215,681 parameters`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Sizes {
            vocab: v,
            wordvec: d,
            hidden: h,
            dropout,
        } = self.sizes();
        let count = v * d + (d + h + 1) * 4 * h + (h + h + 1) * 4 * h + (h + 1) * v;
        write!(
            f,
            "CharLstm(V={v}, D={d}, H={h}, dropout {dropout}): {} parameters",
            thousands(count)
        )
    }
}

/// `1234567` as `1,234,567`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
