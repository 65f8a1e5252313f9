//! `preprocess`: text to word ids and a vocabulary, as the book's `common/util.py`.

use std::collections::HashMap;

use nn_core::{Error, Result};

/// Words numbered in order of first appearance: the book's `word_to_id`
/// and `id_to_word` in one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vocabulary {
    word_to_id: HashMap<String, usize>,
    id_to_word: Vec<String>,
}

impl Vocabulary {
    /// An empty vocabulary.
    pub fn new() -> Self {
        Self::default()
    }

    /// A vocabulary of `words` in order, ids `0..n`.
    ///
    /// # Errors
    /// A word that appears twice.
    pub fn from_words(words: impl IntoIterator<Item = impl Into<String>>) -> Result<Self> {
        let mut vocab = Self::new();
        for word in words {
            let word = word.into();
            let len = vocab.len();
            if vocab.id_or_insert(&word) != len {
                return Err(Error::invalid(
                    "Vocabulary.from_words",
                    format!("the word {word:?} appears twice"),
                ));
            }
        }
        Ok(vocab)
    }

    /// The id of `word`, giving it the next id if it is new.
    pub fn id_or_insert(&mut self, word: &str) -> usize {
        if let Some(&id) = self.word_to_id.get(word) {
            return id;
        }
        let id = self.id_to_word.len();
        self.word_to_id.insert(word.to_owned(), id);
        self.id_to_word.push(word.to_owned());
        id
    }

    /// The id of `word` (`word_to_id[word]`), if it is known.
    pub fn id(&self, word: &str) -> Option<usize> {
        self.word_to_id.get(word).copied()
    }

    /// The word with id `id` (`id_to_word[id]`).
    pub fn word(&self, id: usize) -> Option<&str> {
        self.id_to_word.get(id).map(String::as_str)
    }

    /// The words in id order.
    pub fn words(&self) -> &[String] {
        &self.id_to_word
    }

    /// The number of words.
    pub fn len(&self) -> usize {
        self.id_to_word.len()
    }

    /// Whether there are no words.
    pub fn is_empty(&self) -> bool {
        self.id_to_word.is_empty()
    }
}

/// A text as word ids with its vocabulary: the book's
/// `corpus, word_to_id, id_to_word`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corpus {
    /// The words of the text as ids, in order.
    pub ids: Vec<usize>,
    /// The ids' words.
    pub vocab: Vocabulary,
}

/// The book's `preprocess(text)`: lower-case, `.` → ` .`, split on single
/// spaces (so two spaces in a row make an empty word, as in Python), ids in
/// order of first appearance.
///
/// ```
/// let corpus = nn_text::preprocess("You say goodbye and I say hello.")?;
/// assert_eq!(corpus.ids, [0, 1, 2, 3, 4, 1, 5, 6]);
/// assert_eq!(corpus.vocab.word(6), Some("."));
/// # Ok::<(), nn_core::Error>(())
/// ```
///
/// # Errors
/// A text with no words (empty, or only spaces).
pub fn preprocess(text: &str) -> Result<Corpus> {
    if text.trim().is_empty() {
        return Err(Error::invalid(
            "preprocess",
            "the text is empty; at least one word is needed",
        ));
    }
    let text = text.to_lowercase().replace('.', " .");
    let mut vocab = Vocabulary::new();
    let ids = text.split(' ').map(|w| vocab.id_or_insert(w)).collect();
    Ok(Corpus { ids, vocab })
}

/// Whether Python's `str.split()` splits at `c`: Unicode white space and
/// the four ASCII separators `\x1c`–`\x1f`, which Rust does not count.
pub(crate) fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_books_sentence() {
        let c = preprocess("You say goodbye and I say hello.").unwrap();
        assert_eq!(c.ids, [0, 1, 2, 3, 4, 1, 5, 6]);
        assert_eq!(
            c.vocab.words(),
            ["you", "say", "goodbye", "and", "i", "hello", "."]
        );
        assert_eq!(c.vocab.id("say"), Some(1));
        assert_eq!(c.vocab.id("Say"), None);
    }

    #[test]
    fn double_spaces_make_empty_words_as_in_python() {
        let c = preprocess("a  b").unwrap();
        assert_eq!(c.vocab.words(), ["a", "", "b"]);
    }

    #[test]
    fn empty_text_is_an_error() {
        for text in ["", "   "] {
            assert_eq!(
                preprocess(text).unwrap_err().to_string(),
                "preprocess: the text is empty; at least one word is needed"
            );
        }
    }

    #[test]
    fn a_vocabulary_refuses_a_repeated_word() {
        assert_eq!(
            Vocabulary::from_words(["a", "b", "a"])
                .unwrap_err()
                .to_string(),
            "Vocabulary.from_words: the word \"a\" appears twice"
        );
        assert_eq!(Vocabulary::from_words(["a", "b"]).unwrap().len(), 2);
    }

    #[test]
    fn python_whitespace() {
        assert!(is_python_space('\x1c') && is_python_space(' ') && is_python_space('\u{3000}'));
        assert!(!is_python_space('a'));
    }
}
