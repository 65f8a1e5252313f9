//! Chapter 8's `ch08/visualize_attention.py`: heat maps of where a trained
//! `AttentionSeq2seq` looks while it writes each character of a date.
//! (`ch08/train.py` is [`crate::ch07::train_seq2seq`] with
//! [`Seq2seqConfig::attention`](crate::ch07::Seq2seqConfig::attention).)

use std::path::{Path, PathBuf};

use ndarray::{Array2, ArrayView2, s};
use nn_core::{Error, Result};
use nn_models::seq2seq::{AttentionSeq2seq, Seq2seqModel};
use nn_models::transformer::TransformerSeq2seq;
use nn_text::sequence::SequenceSet;
use nn_train::NumpyRandom;

use crate::ch07::SavedSeq2seq;

use crate::ch03::create_dir;

/// Settings of `attention-show`; `Default` is `visualize_attention.py`'s.
#[derive(Debug, Clone, PartialEq)]
pub struct AttentionShowConfig {
    /// The trained parameters (`AttentionSeq2seq.npz`, or the book's
    /// `AttentionSeq2seq.pkl` converted by `scripts/convert_book_params.py`).
    pub params: PathBuf,
    /// A directory holding `date.txt` (or `sequence/date.txt`); `None` reads
    /// the shipped copy.
    pub data: Option<PathBuf>,
    /// Where the heat maps go (`attention_1.png` …).
    pub out: PathBuf,
    /// The seed of the data set's shuffle and then, afresh, of the choice
    /// of test questions (the book's `np.random.seed(1984)` both times).
    pub seed: u32,
    /// How many test questions (the book's 5).
    pub count: usize,
    /// Feed the questions reversed; `None`: reversed, as `attention` and
    /// `transformer` train on dates by default.
    pub reverse: Option<bool>,
}

impl Default for AttentionShowConfig {
    fn default() -> Self {
        Self {
            params: PathBuf::from("out/AttentionSeq2seq.npz"),
            data: None,
            out: PathBuf::from("out"),
            seed: 1984,
            count: 5,
            reverse: None,
        }
    }
}

/// One heat map: a question, the answer it was shown, and the weights.
#[derive(Debug, Clone, PartialEq)]
pub struct AttentionMap {
    /// The test question, in reading order.
    pub question: String,
    /// Its answer (without the leading `_`): the map's rows.
    pub answer: String,
    /// `weights[i, j]`: how much answer character `i` attends to question
    /// character `j` (in reading order).
    pub weights: Array2<f64>,
    /// For a Transformer: the decoder layer and the head whose attention
    /// over the question this is (from 0); `None` for `AttentionSeq2seq`.
    pub head: Option<(usize, usize)>,
    /// The PNG.
    pub file: PathBuf,
}

/// An `AttentionSeq2seq` read from `path`, sized by its arrays.
///
/// # Errors
/// A missing or damaged file, or parameters of another model.
pub fn load_attention_model(path: &Path) -> Result<AttentionSeq2seq<f32>> {
    match SavedSeq2seq::load(path)? {
        SavedSeq2seq::Attention(model) => Ok(*model),
        other => Err(Error::file(
            path,
            format!(
                "the parameters of a {}, not an AttentionSeq2seq",
                other.kind().name()
            ),
        )),
    }
}

/// `visualize_attention.py`: the date data set (questions reversed, as the
/// model was trained), `count` test questions drawn as the book's
/// `np.random.randint(0, len(x_test))` after `np.random.seed(seed)`, each
/// question and its answer through the model, and the decoder's attention
/// weights drawn with the question in reading order across and the answer
/// down (`attention_1.png` …).
///
/// # Errors
/// Parameters of another model or vocabulary, an unreadable data file, or
/// a file that cannot be written.
///
/// For a `TransformerSeq2seq`'s parameters, every head of every decoder
/// layer's attention over the question gets its map
/// (`transformer_attention_1_layer1_head1.png` …): what each answer
/// character read of the question in that head.
pub fn attention_show(config: &AttentionShowConfig) -> Result<Vec<AttentionMap>> {
    let mut model = match SavedSeq2seq::load(&config.params)? {
        SavedSeq2seq::Attention(model) => *model,
        SavedSeq2seq::Transformer(model) => return transformer_show(config, *model),
        other => {
            return Err(Error::file(
                &config.params,
                format!(
                    "the parameters of a {}, not an AttentionSeq2seq or a TransformerSeq2seq",
                    other.kind().name()
                ),
            ));
        }
    };
    let reverse = config.reverse.unwrap_or(true);
    let mut maps = Vec::with_capacity(config.count);
    for_questions(
        config,
        model.vocab_size(),
        reverse,
        |k, fed, answer, question, answer_chars| {
            model.forward_rows(fed, answer)?;
            let mut weights = model
                .attention_weights()
                .slice(s![0, .., ..])
                .mapv(f64::from);
            if reverse {
                // Columns back in reading order (the book's attention_map[:, ::-1]).
                weights.invert_axis(ndarray::Axis(1));
            }
            let file = config.out.join(format!("attention_{}.png", k + 1));
            crate::plot::attention_map(&file, weights.view(), question, answer_chars)?;
            maps.push(AttentionMap {
                question: question.iter().collect(),
                answer: answer_chars.iter().collect(),
                weights: weights.as_standard_layout().into_owned(),
                head: None,
                file,
            });
            Ok(())
        },
    )?;
    Ok(maps)
}

/// The book's choice of test questions: the date data set shuffled with
/// `config.seed`, then, from a fresh generator of the same seed, `count`
/// draws of `np.random.randint(0, len(x_test))`; for each, `show(k, the
/// question as fed (reversed if asked), the answer ids, the question's and
/// the answer's characters)`.
fn for_questions(
    config: &AttentionShowConfig,
    vocab_size: usize,
    reverse: bool,
    mut show: impl FnMut(
        usize,
        ArrayView2<'_, usize>,
        ArrayView2<'_, usize>,
        &[char],
        &[char],
    ) -> Result<()>,
) -> Result<()> {
    let mut rng = NumpyRandom::new(config.seed);
    let data = crate::ch07::load_set(config.data.as_deref(), SequenceSet::Date, &mut rng)?;
    if vocab_size != data.vocab.len() {
        return Err(Error::file(
            &config.params,
            format!(
                "parameters for {vocab_size} characters, but date.txt has {}: parameters from another data set",
                data.vocab.len()
            ),
        ));
    }
    create_dir(&config.out)?;
    let mut rng = NumpyRandom::new(config.seed);
    let chars = |ids: &mut dyn Iterator<Item = usize>| -> Vec<char> {
        ids.filter_map(|i| data.vocab.char(i)).collect()
    };
    for k in 0..config.count {
        // np.random.randint(0, n): numpy's legacy masked draw in 0..=n-1.
        let idx = rng.interval(data.x_test.nrows() as u64 - 1) as usize;
        let question = data.x_test.slice(s![idx..idx + 1, ..]);
        let fed = if reverse {
            question.slice(s![.., ..;-1]).to_owned()
        } else {
            question.to_owned()
        };
        let answer = data.t_test.slice(s![idx..idx + 1, ..]);
        let question_chars = chars(&mut question.iter().copied());
        let answer_chars = chars(&mut answer.iter().skip(1).copied());
        show(k, fed.view(), answer, &question_chars, &answer_chars)?;
    }
    Ok(())
}

/// [`attention_show`] for a `TransformerSeq2seq`: a map per question,
/// decoder layer and head.
fn transformer_show(
    config: &AttentionShowConfig,
    mut model: TransformerSeq2seq<f32>,
) -> Result<Vec<AttentionMap>> {
    let reverse = config.reverse.unwrap_or(true);
    let mut maps = Vec::new();
    for_questions(
        config,
        model.vocab_size(),
        reverse,
        |k, fed, answer, question, answer_chars| {
            model.forward_rows(fed, answer)?;
            for (l, layer) in model.decoder().layers().iter().enumerate() {
                let weights = layer.cross_attn().weights();
                for h in 0..weights.dim().1 {
                    let mut map = weights.slice(s![0, h, .., ..]).mapv(f64::from);
                    if reverse {
                        map.invert_axis(ndarray::Axis(1));
                    }
                    let file = config.out.join(format!(
                        "transformer_attention_{}_layer{}_head{}.png",
                        k + 1,
                        l + 1,
                        h + 1
                    ));
                    crate::plot::attention_map(&file, map.view(), question, answer_chars)?;
                    maps.push(AttentionMap {
                        question: question.iter().collect(),
                        answer: answer_chars.iter().collect(),
                        weights: map.as_standard_layout().into_owned(),
                        head: Some((l, h)),
                        file,
                    });
                }
            }
            Ok(())
        },
    )?;
    Ok(maps)
}
