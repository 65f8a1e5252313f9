//! The Penn Treebank corpus as the book's `dataset/ptb.py` loads it: words
//! numbered by first appearance in the training file, newlines read as
//! `<eos>`, the other splits in the training vocabulary.
//!
//! The files come from a data directory (`--data DIR`, or the variable
//! [`DATA_ENV`]) or, failing that, are downloaded on first use from the
//! book's source into a cache directory. Every file is checked against its
//! published SHA-256 before use.

use std::path::{Path, PathBuf};

use nn_core::{Error, Result};

use crate::corpus::is_python_space;
use crate::download::{fetch, sha256_file};
use crate::{Corpus, Vocabulary};

/// The variable naming a directory that holds the data files.
pub const DATA_ENV: &str = "DLFS2_DATA";
/// The variable overriding the download address (for mirrors and tests).
pub const URL_ENV: &str = "DLFS2_PTB_URL";
/// Where the book's `ptb.py` downloads the files from.
pub const BOOK_URL: &str = "https://raw.githubusercontent.com/tomsercu/lstm/master/data/";

/// One of PTB's three files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// `ptb.train.txt`: 929,589 words, the vocabulary of 10,000.
    Train,
    /// `ptb.valid.txt` (the book's `'val'`).
    Valid,
    /// `ptb.test.txt`.
    Test,
}

impl Split {
    /// The file's name.
    pub fn file_name(self) -> &'static str {
        match self {
            Split::Train => "ptb.train.txt",
            Split::Valid => "ptb.valid.txt",
            Split::Test => "ptb.test.txt",
        }
    }

    /// The file's published SHA-256.
    pub fn sha256(self) -> &'static str {
        match self {
            Split::Train => "fcea919f6cf83f35d4d00c6cbf08040d13d4155226340912e2fef9c9c4102cbf",
            Split::Valid => "c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2",
            Split::Test => "dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0",
        }
    }
}

impl std::str::FromStr for Split {
    type Err = Error;
    /// `train`, `val`/`valid`, `test`, as the book's `load_data` takes them.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "train" => Ok(Split::Train),
            "val" | "valid" => Ok(Split::Valid),
            "test" => Ok(Split::Test),
            _ => Err(Error::invalid(
                "ptb",
                format!("unknown split {s:?}; expected train, val or test"),
            )),
        }
    }
}

/// Where PTB's files are found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A directory holding the files (directly or in a `ptb/` folder); nothing is downloaded.
    Dir(PathBuf),
    /// A cache directory; missing files are downloaded from `url` into it.
    Download {
        /// The cache directory.
        cache: PathBuf,
        /// The address the file names are appended to.
        url: String,
    },
}

impl Source {
    /// `--data DIR` if given, else [`DATA_ENV`], else downloads into the
    /// user's cache directory (`$XDG_CACHE_HOME/dlfs2-rs` or
    /// `~/.cache/dlfs2-rs`) from [`URL_ENV`] or the book's source.
    pub fn from_args(data: Option<&Path>) -> Self {
        if let Some(dir) = data {
            return Source::Dir(dir.to_owned());
        }
        if let Some(dir) = std::env::var_os(DATA_ENV).filter(|d| !d.is_empty()) {
            return Source::Dir(PathBuf::from(dir));
        }
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .unwrap_or_else(std::env::temp_dir)
            .join("dlfs2-rs");
        let url = std::env::var(URL_ENV).unwrap_or_else(|_| BOOK_URL.to_owned());
        Source::Download { cache, url }
    }

    /// The path of `split`'s file, checked against its SHA-256, downloading
    /// it first if this is a download source and it is missing.
    ///
    /// # Errors
    /// A missing file in a data directory, a failed download, or a file
    /// whose checksum is wrong (truncated or corrupt); each message names
    /// the file, the checksum expected and how to get the file.
    pub fn file(&self, split: Split) -> Result<PathBuf> {
        let name = split.file_name();
        let how = |dir: &Path| {
            format!(
                "get it from {BOOK_URL}{name} (SHA-256 {}) into {}, or point --data (or {DATA_ENV}) at a directory that has it",
                split.sha256(),
                dir.display()
            )
        };
        let path = match self {
            Source::Dir(dir) => {
                let candidates = [dir.join(name), dir.join("ptb").join(name)];
                match candidates.iter().find(|p| p.is_file()) {
                    Some(p) => p.clone(),
                    None => {
                        let detail = if dir.is_dir() {
                            format!("no {name} here (nor in ptb/); {}", how(dir))
                        } else {
                            format!("the data directory does not exist; {}", how(dir))
                        };
                        return Err(Error::file(dir, detail));
                    }
                }
            }
            Source::Download { cache, url } => {
                let path = cache.join(name);
                if !path.is_file() {
                    fetch(&format!("{url}{name}"), &path, split.sha256())
                        .map_err(|e| Error::file(&path, format!("{e}; {}", how(cache))))?;
                }
                path
            }
        };
        let actual = sha256_file(&path)?;
        if actual != split.sha256() {
            let dir = path.parent().unwrap_or(Path::new("."));
            return Err(Error::file(
                &path,
                format!(
                    "SHA-256 is {actual}, expected {} (truncated or corrupt); delete it and {}",
                    split.sha256(),
                    how(dir)
                ),
            ));
        }
        Ok(path)
    }
}

/// The text of a PTB file with newlines read as the book reads them:
/// `read().replace('\n', '<eos>')`; [`words`] splits it.
///
/// # Errors
/// A file that cannot be read or is not UTF-8 (with the byte offset).
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::file(path, format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        Error::file(
            path,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    Ok(text.replace('\n', "<eos>"))
}

/// The words of a text as Python's `strip().split()` gives them.
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(is_python_space).filter(|w| !w.is_empty())
}

/// The words of a PTB file as the book reads them:
/// `read().replace('\n', '<eos>').strip().split()`.
///
/// # Errors
/// As [`read_text`].
pub fn read_words(path: &Path) -> Result<Vec<String>> {
    Ok(words(&read_text(path)?).map(str::to_owned).collect())
}

/// The book's `ptb.load_data(split)`: the split's word ids in the training
/// file's vocabulary.
///
/// # Errors
/// As [`Source::file`] and [`read_words`], or a word of the split that is
/// not in the training vocabulary.
pub fn load_data(split: Split, source: &Source) -> Result<Corpus> {
    let train_path = source.file(Split::Train)?;
    let mut vocab = Vocabulary::new();
    let train_text = read_text(&train_path)?;
    let train_ids: Vec<usize> = words(&train_text).map(|w| vocab.id_or_insert(w)).collect();
    if split == Split::Train {
        return Ok(Corpus {
            ids: train_ids,
            vocab,
        });
    }
    let path = source.file(split)?;
    let text = read_text(&path)?;
    let ids = words(&text)
        .enumerate()
        .map(|(at, w)| {
            vocab.id(w).ok_or_else(|| {
                Error::file(
                    &path,
                    format!("word {w:?} (word {at}) is not in the training vocabulary"),
                )
            })
        })
        .collect::<Result<Vec<usize>>>()?;
    Ok(Corpus { ids, vocab })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_as_the_book_reads_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.txt");
        std::fs::write(&path, " a b \n c\x1cd\nlast").unwrap();
        assert_eq!(
            read_words(&path).unwrap(),
            ["a", "b", "<eos>", "c", "d<eos>last"]
        );
        std::fs::write(&path, b"ok \xff").unwrap();
        assert!(
            read_words(&path)
                .unwrap_err()
                .to_string()
                .ends_with("not UTF-8 text (invalid byte at offset 3)")
        );
    }

    #[test]
    fn splits_by_the_books_names() {
        assert_eq!("val".parse::<Split>().unwrap(), Split::Valid);
        assert_eq!(
            "dev".parse::<Split>().unwrap_err().to_string(),
            "ptb: unknown split \"dev\"; expected train, val or test"
        );
    }
}
