//! The training text: a UTF-8 file, refused with a reason when it is empty,
//! binary or too short, and its characters as ids.

use std::path::Path;

use nn_core::{Error, Result};
use nn_text::sequence::CharVocab;

/// A text as character ids, with its vocabulary.
#[derive(Debug, Clone)]
pub struct Text {
    /// The characters in order of first appearance.
    pub vocab: CharVocab,
    /// Every character of the text, as its id.
    pub ids: Vec<usize>,
}

impl Text {
    /// The text of `content`; `name` names it in errors.
    ///
    /// # Errors
    /// Empty content, or content with a NUL byte or bytes that are not
    /// UTF-8 (a binary file), with the offset of the first bad byte.
    pub fn parse(content: &[u8], name: &Path) -> Result<Self> {
        if content.is_empty() {
            return Err(Error::file(
                name,
                "the file is empty: there is no text to learn",
            ));
        }
        let text = std::str::from_utf8(content).map_err(|e| {
            Error::file(
                name,
                format!(
                    "not UTF-8 text: the bytes at offset {} are no character (a binary file?)",
                    e.valid_up_to()
                ),
            )
        })?;
        if let Some(at) = text.find('\0') {
            return Err(Error::file(
                name,
                format!("not text: a NUL byte at offset {at} (a binary file?)"),
            ));
        }
        let vocab = CharVocab::from_text(text);
        let ids = vocab.encode(text)?;
        Ok(Self { vocab, ids })
    }

    /// The text of the file at `path`.
    ///
    /// # Errors
    /// A file that can't be read, or as [`parse`](Self::parse).
    pub fn read(path: &Path) -> Result<Self> {
        let content =
            std::fs::read(path).map_err(|e| Error::file(path, format!("cannot read it: {e}")))?;
        Self::parse(&content, path)
    }

    /// Checks that the text has the `batch × time + 1` characters one
    /// training batch reads (inputs and the next characters as targets).
    ///
    /// # Errors
    /// A text too short, with its length and the length needed.
    pub fn check_length(&self, name: &Path, batch: usize, time: usize) -> Result<()> {
        let needed = batch * time + 1;
        if self.ids.len() < needed {
            return Err(Error::file(
                name,
                format!(
                    "{} characters are too few: one batch of {batch} × {time} needs at least \
                     {needed} (give a longer text, or smaller --batch-size / --time-size)",
                    self.ids.len()
                ),
            ));
        }
        Ok(())
    }
}
