//! Chapter 8's `ch08/visualize_attention.py`: heat maps of where a trained
//! `AttentionSeq2seq` looks while it writes each character of a date.
//! (`ch08/train.py` is [`crate::ch07::train_seq2seq`] with
//! [`Seq2seqConfig::attention`](crate::ch07::Seq2seqConfig::attention).)

use std::path::{Path, PathBuf};

use ndarray::{Array2, s};
use nn_core::{Error, Result};
use nn_models::seq2seq::AttentionSeq2seq;
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
}

impl Default for AttentionShowConfig {
    fn default() -> Self {
        Self {
            params: PathBuf::from("out/AttentionSeq2seq.npz"),
            data: None,
            out: PathBuf::from("out"),
            seed: 1984,
            count: 5,
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
pub fn attention_show(config: &AttentionShowConfig) -> Result<Vec<AttentionMap>> {
    let mut model = load_attention_model(&config.params)?;
    let mut rng = NumpyRandom::new(config.seed);
    let data = crate::ch07::load_set(config.data.as_deref(), SequenceSet::Date, &mut rng)?;
    let v = nn_models::seq2seq::Seq2seqModel::vocab_size(&model);
    if v != data.vocab.len() {
        return Err(Error::file(
            &config.params,
            format!(
                "parameters for {v} characters, but date.txt has {}: parameters from another data set",
                data.vocab.len()
            ),
        ));
    }
    create_dir(&config.out)?;
    let mut rng = NumpyRandom::new(config.seed);
    let mut maps = Vec::with_capacity(config.count);
    for k in 0..config.count {
        // np.random.randint(0, n): numpy's legacy masked draw in 0..=n-1.
        let idx = rng.interval(data.x_test.nrows() as u64 - 1) as usize;
        let question = data.x_test.slice(s![idx..idx + 1, ..]);
        let reversed = question.slice(s![.., ..;-1]).to_owned();
        let answer = data.t_test.slice(s![idx..idx + 1, ..]);
        model.forward_rows(reversed.view(), answer)?;
        // Columns back in reading order (the book's attention_map[:, ::-1]).
        let weights = model
            .attention_weights()
            .slice(s![0, .., ..;-1])
            .mapv(f64::from);
        let chars = |ids: &[usize]| -> Vec<char> {
            ids.iter().filter_map(|&i| data.vocab.char(i)).collect()
        };
        let question: Vec<char> = chars(&question.iter().copied().collect::<Vec<_>>());
        let answer: Vec<char> = chars(&answer.iter().skip(1).copied().collect::<Vec<_>>());
        let file = config.out.join(format!("attention_{}.png", k + 1));
        crate::plot::attention_map(&file, weights.view(), &question, &answer)?;
        maps.push(AttentionMap {
            question: question.iter().collect(),
            answer: answer.iter().collect(),
            weights,
            file,
        });
    }
    Ok(maps)
}
