//! Chapters 7–8's sequence data sets (`dataset/sequence.py`): addition
//! problems and dates, as character ids.

use std::collections::HashMap;
use std::path::Path;

use ndarray::{Array2, Axis};
use nn_core::{Error, Result};
use nn_train::{NumpyRandom, Shuffle};

/// The data sets the book ships, compiled in (see `crates/nn-text/data/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequenceSet {
    /// `addition.txt`: 50,000 lines like `16+75  _91  ` (chapter 7).
    Addition,
    /// `date.txt`: 50,000 lines like `september 27, 1994           _1994-09-27` (chapter 8).
    Date,
}

impl SequenceSet {
    /// The book's file name.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Addition => "addition.txt",
            Self::Date => "date.txt",
        }
    }

    /// The file's text, as the book ships it.
    pub fn text(self) -> &'static str {
        match self {
            Self::Addition => include_str!("../data/addition.txt"),
            Self::Date => include_str!("../data/date.txt"),
        }
    }

    /// The book's `load_data(file_name, seed)` on this set.
    ///
    /// # Errors
    /// None for the shipped files (they are tested); see [`parse`].
    pub fn load(self, seed: u32) -> Result<SequenceData> {
        parse(self.text(), self.file_name(), seed)
    }

    /// The data set shuffled by `rng`, the book's `load_data(file_name,
    /// seed=None)` with the caller's generator (see [`parse_with`]).
    ///
    /// # Errors
    /// None for the shipped files.
    pub fn load_with(self, rng: &mut dyn Shuffle) -> Result<SequenceData> {
        parse_with(self.text(), self.file_name(), rng)
    }
}

/// Characters numbered in order of first appearance (the book's
/// `char_to_id`, `id_to_char`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CharVocab {
    chars: Vec<char>,
    ids: HashMap<char, usize>,
}

impl CharVocab {
    /// The characters of `text` numbered in order of first appearance.
    ///
    /// ```
    /// let vocab = nn_text::sequence::CharVocab::from_text("hello");
    /// assert_eq!(vocab.chars(), ['h', 'e', 'l', 'o']);
    /// assert_eq!(vocab.encode("hole")?, [0, 3, 2, 1]);
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn from_text(text: &str) -> Self {
        let mut vocab = Self::default();
        for c in text.chars() {
            vocab.id_or_insert(c);
        }
        vocab
    }

    /// The vocabulary of `chars`, numbered in the given order (what
    /// [`chars`](Self::chars) returns, read back).
    ///
    /// # Errors
    /// A character that comes twice, named with both positions.
    pub fn from_chars(chars: impl IntoIterator<Item = char>) -> Result<Self> {
        let mut vocab = Self::default();
        for (i, c) in chars.into_iter().enumerate() {
            if let Some(first) = vocab.id(c) {
                return Err(Error::invalid(
                    "CharVocab.from_chars",
                    format!("character {c:?} comes twice, at {first} and {i}"),
                ));
            }
            vocab.id_or_insert(c);
        }
        Ok(vocab)
    }

    /// The id of `c`, adding it if new.
    fn id_or_insert(&mut self, c: char) -> usize {
        let next = self.chars.len();
        *self.ids.entry(c).or_insert_with(|| {
            self.chars.push(c);
            next
        })
    }

    /// The id of `c` (the book's `char_to_id[c]`).
    pub fn id(&self, c: char) -> Option<usize> {
        self.ids.get(&c).copied()
    }

    /// The character of `id` (the book's `id_to_char[id]`).
    pub fn char(&self, id: usize) -> Option<char> {
        self.chars.get(id).copied()
    }

    /// The characters in id order.
    pub fn chars(&self) -> &[char] {
        &self.chars
    }

    /// How many characters there are.
    pub fn len(&self) -> usize {
        self.chars.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// The ids of `text`'s characters.
    ///
    /// # Errors
    /// A character the vocabulary doesn't have, named with its position.
    pub fn encode(&self, text: &str) -> Result<Vec<usize>> {
        text.chars()
            .enumerate()
            .map(|(i, c)| {
                self.id(c).ok_or_else(|| {
                    Error::invalid(
                        "CharVocab.encode",
                        format!(
                            "character {c:?} (position {i} of {text:?}) is not in the vocabulary"
                        ),
                    )
                })
            })
            .collect()
    }

    /// The text of `ids` (unknown ids are left out).
    pub fn decode(&self, ids: impl IntoIterator<Item = usize>) -> String {
        ids.into_iter().filter_map(|id| self.char(id)).collect()
    }
}

/// What `load_data` returns: questions and answers as character ids, split
/// into training and test rows, and the vocabulary.
#[derive(Debug, Clone, PartialEq)]
pub struct SequenceData {
    /// Training questions, one row each (`x_train`).
    pub x_train: Array2<usize>,
    /// Training answers, each starting with `_` (`t_train`).
    pub t_train: Array2<usize>,
    /// Test questions: the last 10% after the shuffle (`x_test`).
    pub x_test: Array2<usize>,
    /// Test answers (`t_test`).
    pub t_test: Array2<usize>,
    /// The characters (`get_vocab()`).
    pub vocab: CharVocab,
}

/// Reads a data set file as the book's `load_data(file_name, seed)`.
///
/// # Errors
/// An unreadable file, or its contents as [`parse`].
pub fn load_data(path: &Path, seed: u32) -> Result<SequenceData> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::file(path, format!("cannot read it: {e}")))?;
    parse(&text, &path.display().to_string(), seed)
}

/// [`load_data`] shuffling with `rng` (see [`parse_with`]).
///
/// # Errors
/// As [`load_data`].
pub fn load_data_with(path: &Path, rng: &mut dyn Shuffle) -> Result<SequenceData> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::file(path, format!("cannot read it: {e}")))?;
    parse_with(&text, &path.display().to_string(), rng)
}

/// The book's `load_data` on `text` (`name` names it in errors): each line
/// splits at its first `_` into a question and an answer (the answer keeps
/// the `_`, the book's start symbol); characters are numbered in order of
/// first appearance, each line's question then its answer; the rows are
/// shuffled by `np.random.seed(seed); np.random.shuffle(indices)` and the
/// last `len / 10` are the test set. With the book's seed 1984 the split is
/// the book's, row for row. (The book's `seed=None` shuffles with numpy's
/// generator as it stands: that is [`parse_with`].)
///
/// # Errors
/// No lines, a line without `_`, or lines whose questions or answers differ
/// in length (the book's arrays are rectangular), named with the line.
pub fn parse(text: &str, name: &str, seed: u32) -> Result<SequenceData> {
    parse_with(text, name, &mut NumpyRandom::new(seed))
}

/// [`parse`] shuffling with `rng`, which the caller keeps: the book seeds
/// numpy's global generator in `load_data` and then draws the model's
/// initial weights from it, so `parse_with(text, name, &mut
/// NumpyRandom::new(1984))` followed by a model built from the same `rng`
/// gives the book's weights bit for bit. (A caller who wants the file's
/// order gives a `Shuffle` that leaves the indices alone.)
///
/// # Errors
/// As [`parse`].
pub fn parse_with(text: &str, name: &str, rng: &mut dyn Shuffle) -> Result<SequenceData> {
    let fail = |detail: String| Error::invalid("sequence.load_data", format!("{name}: {detail}"));
    let mut vocab = CharVocab::default();
    let (mut questions, mut answers) = (Vec::new(), Vec::new());
    let mut widths: Option<(usize, usize)> = None;
    for (number, line) in text.lines().enumerate() {
        let number = number + 1;
        let Some(at) = line.find('_') else {
            return Err(fail(format!(
                "line {number} has no '_' between question and answer: {line:?}"
            )));
        };
        let (q, a) = line.split_at(at);
        let q: Vec<usize> = q.chars().map(|c| vocab.id_or_insert(c)).collect();
        let a: Vec<usize> = a.chars().map(|c| vocab.id_or_insert(c)).collect();
        match widths {
            None => widths = Some((q.len(), a.len())),
            Some((wq, wa)) if (wq, wa) != (q.len(), a.len()) => {
                return Err(fail(format!(
                    "line {number} has a question of {} and an answer of {} characters, \
                     line 1 {wq} and {wa}: every line must be padded alike",
                    q.len(),
                    a.len()
                )));
            }
            Some(_) => {}
        }
        questions.extend(q);
        answers.extend(a);
    }
    let Some((wq, wa)) = widths else {
        return Err(fail("no lines".to_owned()));
    };
    let rows = questions.len() / wq.max(1);
    let to_array = |ids: Vec<usize>, width: usize| {
        Array2::from_shape_vec((rows, width), ids)
            .map_err(|e| fail(format!("cannot shape the ids: {e}")))
    };
    let (x, t) = (to_array(questions, wq)?, to_array(answers, wa)?);
    let mut order: Vec<usize> = (0..rows).collect();
    rng.shuffle_indices(&mut order);
    let split_at = rows - rows / 10;
    let (train, test) = order.split_at(split_at);
    Ok(SequenceData {
        x_train: x.select(Axis(0), train),
        t_train: t.select(Axis(0), train),
        x_test: x.select(Axis(0), test),
        t_test: t.select(Axis(0), test),
        vocab,
    })
}
