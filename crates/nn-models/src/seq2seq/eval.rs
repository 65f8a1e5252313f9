//! `eval_seq2seq` (`common/util.py`): greedy answers to test questions,
//! scored, with the book's printout of the first few.

use ndarray::{ArrayView2, s};
use nn_core::{Error, Float, Result};

use super::Seq2seqModel;
use nn_text::sequence::CharVocab;

/// Rows answered together by [`eval_seq2seq`]: large enough that each step's
/// products are efficient, small enough that the encoder's buffers stay
/// small (chapter 8's 29-step questions, `H = 256`: about 70 MB).
pub const EVAL_BATCH: usize = 256;

/// One test question with its answer and the model's, as the book prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// The question as written (read back in the original order when the
    /// model was given it reversed).
    pub question: String,
    /// The correct answer, without the leading `_`.
    pub correct: String,
    /// The model's answer.
    pub guess: String,
}

impl Sample {
    /// Whether the model's answer is the correct one.
    pub fn is_correct(&self) -> bool {
        self.guess == self.correct
    }

    /// The book's four lines: `Q 77+85  `, `T 162 `, `☑ 162 ` (or `☒ …`),
    /// `---`. With `color`, the mark is green or red as the book prints it
    /// on a terminal.
    pub fn book_lines(&self, color: bool) -> String {
        let (mark, code) = if self.is_correct() {
            ('☑', "\x1b[92m")
        } else {
            ('☒', "\x1b[91m")
        };
        let mark = if color {
            format!("{code}{mark}\x1b[0m")
        } else {
            mark.to_string()
        };
        format!(
            "Q {}\nT {}\n{mark} {}\n---",
            self.question, self.correct, self.guess
        )
    }
}

/// The result of [`eval_seq2seq`].
#[derive(Debug, Clone, PartialEq)]
pub struct Seq2seqEval {
    /// Questions answered exactly.
    pub correct: usize,
    /// Questions asked.
    pub total: usize,
    /// The first `verbose` questions, for the book's printout.
    pub samples: Vec<Sample>,
}

impl Seq2seqEval {
    /// `correct / total`.
    pub fn accuracy(&self) -> f64 {
        self.correct as f64 / self.total as f64
    }

    /// The book's `val acc 98.140%`.
    pub fn book_line(&self) -> String {
        format!("val acc {:.3}%", self.accuracy() * 100.0)
    }
}

/// The book's evaluation loop over a test set: for each question `x[i]`,
/// the answer `t[i]`'s first id (the `_`) starts a greedy generation as
/// long as the rest, which must equal it exactly. Batches of
/// [`EVAL_BATCH`] rows are answered together; each row's answer is the one
/// the book's one-row call gives ([`eval_seq2seq_one_at_a_time`] asks one at
/// a time, as the book, to check it). The first `verbose` questions are
/// kept as [`Sample`]s; with `is_reverse` their questions are read back in
/// the original order, as the book prints them.
///
/// # Errors
/// A vocabulary of another size than the model's (parameters from another
/// data set), mismatched or empty rows, or ids outside the vocabulary.
pub fn eval_seq2seq<F: Float>(
    model: &mut (impl Seq2seqModel<F> + ?Sized),
    x: ArrayView2<'_, usize>,
    t: ArrayView2<'_, usize>,
    vocab: &CharVocab,
    is_reverse: bool,
    verbose: usize,
) -> Result<Seq2seqEval> {
    evaluate(model, x, t, vocab, is_reverse, verbose, EVAL_BATCH)
}

/// [`eval_seq2seq`] one question at a time, as the book's loop calls it.
///
/// # Errors
/// As [`eval_seq2seq`].
pub fn eval_seq2seq_one_at_a_time<F: Float>(
    model: &mut (impl Seq2seqModel<F> + ?Sized),
    x: ArrayView2<'_, usize>,
    t: ArrayView2<'_, usize>,
    vocab: &CharVocab,
    is_reverse: bool,
    verbose: usize,
) -> Result<Seq2seqEval> {
    evaluate(model, x, t, vocab, is_reverse, verbose, 1)
}

fn evaluate<F: Float>(
    model: &mut (impl Seq2seqModel<F> + ?Sized),
    x: ArrayView2<'_, usize>,
    t: ArrayView2<'_, usize>,
    vocab: &CharVocab,
    is_reverse: bool,
    verbose: usize,
    batch: usize,
) -> Result<Seq2seqEval> {
    const OP: &str = "eval_seq2seq";
    if vocab.len() != model.vocab_size() {
        return Err(Error::invalid(
            OP,
            format!(
                "the model knows {} characters but the data set has {}: parameters from another data set?",
                model.vocab_size(),
                vocab.len()
            ),
        ));
    }
    if x.is_empty() || t.nrows() != x.nrows() || t.ncols() < 2 {
        return Err(Error::shape(
            OP,
            format!(
                "x must be (N, T) and t (N, L) with N, T ≥ 1 and L ≥ 2 (x: {:?}, t: {:?})",
                x.shape(),
                t.shape()
            ),
        ));
    }
    let n = x.nrows();
    let sample_size = t.ncols() - 1;
    let mut result = Seq2seqEval {
        correct: 0,
        total: n,
        samples: Vec::new(),
    };
    let mut start_ids = Vec::with_capacity(batch);
    for first in (0..n).step_by(batch) {
        let rows = first..(first + batch).min(n);
        let (xb, tb) = (x.slice(s![rows.clone(), ..]), t.slice(s![rows.clone(), ..]));
        start_ids.clear();
        start_ids.extend(tb.column(0).iter().copied());
        let guesses = model.generate(xb, &start_ids, sample_size)?;
        for (i, (guess, answer)) in guesses.outer_iter().zip(tb.outer_iter()).enumerate() {
            let answer = answer.slice(s![1..]);
            if guess == answer {
                result.correct += 1;
            }
            if first + i < verbose {
                let question = xb.row(i);
                let question: String = if is_reverse {
                    vocab.decode(question.iter().rev().copied())
                } else {
                    vocab.decode(question.iter().copied())
                };
                result.samples.push(Sample {
                    question,
                    correct: vocab.decode(answer.iter().copied()),
                    guess: vocab.decode(guess.iter().copied()),
                });
            }
        }
    }
    Ok(result)
}
