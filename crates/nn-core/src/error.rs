//! The crate's error type: every mistake a caller can make ends here, never in a panic.

/// Shorthand for `Result<T, nn_core::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, and where.
///
/// Every variant carries `op`, the layer or function and the operation that
/// refused the input (`"Affine.forward"`, `"cross_entropy_error"`), so that a
/// message read in a log points at the call that failed. Shape messages give
/// the expected and the actual shape.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two arrays whose shapes must agree do not.
    #[error("{op}: {detail}")]
    Shape {
        /// The operation, e.g. `"Affine.forward"`.
        op: &'static str,
        /// What was expected and what was given, with both shapes.
        detail: String,
    },

    /// A batch with no rows (or a sample with no classes).
    #[error(
        "{op}: empty input (shape {shape:?}); at least one sample with at least one feature is needed"
    )]
    Empty {
        /// The operation.
        op: &'static str,
        /// The shape that was given.
        shape: Vec<usize>,
    },

    /// A label that does not name one of the classes.
    #[error("{op}: label {label} at row {row} is out of range for {classes} classes")]
    LabelOutOfRange {
        /// The operation.
        op: &'static str,
        /// The row of the batch.
        row: usize,
        /// The label that was given.
        label: usize,
        /// The number of classes (columns of the scores).
        classes: usize,
    },

    /// A one-hot label row that is not all zeros but a single one.
    #[error(
        "{op}: row {row} of the one-hot labels is not one-hot (it has {ones} ones and {others} values other than 0 and 1)"
    )]
    NotOneHot {
        /// The operation.
        op: &'static str,
        /// The offending row.
        row: usize,
        /// How many entries are exactly 1.
        ones: usize,
        /// How many entries are neither 0 nor 1.
        others: usize,
    },

    /// `backward` was called on a layer whose `forward` has not run.
    #[error(
        "{op}: called before forward; run forward first so that the layer has its inputs cached"
    )]
    BackwardBeforeForward {
        /// The operation, e.g. `"Sigmoid.backward"`.
        op: &'static str,
    },

    /// `backward` was called after a `forward` that failed: there is
    /// nothing consistent to differentiate.
    #[error("{op}: called after a forward that failed; run a forward that succeeds first")]
    BackwardAfterFailedForward {
        /// The operation, e.g. `"Rnnlm.backward"`.
        op: &'static str,
    },

    /// A value that must be finite is NaN or infinite.
    #[error("{op}: {what} is not finite ({value})")]
    NonFinite {
        /// The operation.
        op: &'static str,
        /// What the value is, e.g. `"the loss"`.
        what: String,
        /// The value, as `f64`.
        value: f64,
    },

    /// An argument outside its allowed range.
    #[error("{op}: {detail}")]
    InvalidArgument {
        /// The operation.
        op: &'static str,
        /// What was expected and what was given.
        detail: String,
    },

    /// A file that could not be read or written, or whose content is not
    /// what it should be (a missing array, a wrong shape, corrupt bytes).
    #[error("{path}: {detail}")]
    File {
        /// The file, as given.
        path: String,
        /// What is wrong with it.
        detail: String,
    },

    /// A part of a model refused: `source` is the part's error, `op` the
    /// model's operation and `part` the part (`Cbow.forward: contexts:
    /// Embedding.forward: …`).
    #[error("{op}: {part}: {source}")]
    Within {
        /// The model's operation, e.g. `"Rnnlm.forward"`.
        op: &'static str,
        /// The part that refused: a layer's name in the model, or the input
        /// it refused (`lstm`, `contexts`).
        part: String,
        /// The part's error.
        source: Box<Error>,
    },

    /// Training stopped at a step; `source` says why.
    #[error("training stopped at epoch {epoch}, iteration {iteration}: {source}")]
    Training {
        /// The epoch, counted from 1 as the book prints it.
        epoch: usize,
        /// The iteration within the epoch, counted from 1.
        iteration: usize,
        /// The error of the step.
        source: Box<Error>,
    },
}

impl Error {
    /// A shape error; `detail` should name both shapes. For layers outside
    /// this crate as much as inside it.
    pub fn shape(op: &'static str, detail: impl Into<String>) -> Self {
        Error::Shape {
            op,
            detail: detail.into(),
        }
    }

    /// A file error; `detail` should say what is wrong, `path` is shown as given.
    pub fn file(path: impl AsRef<std::path::Path>, detail: impl Into<String>) -> Self {
        Error::File {
            path: path.as_ref().display().to_string(),
            detail: detail.into(),
        }
    }

    /// This error as the error of `part` in the operation `op` of the model
    /// that holds it: `Rnnlm.forward: embed: Embedding.forward: id 12 …`.
    pub fn within(self, op: &'static str, part: impl Into<String>) -> Self {
        Error::Within {
            op,
            part: part.into(),
            source: Box::new(self),
        }
    }

    /// The innermost error: the one a part raised, under every model's
    /// [`within`](Self::within).
    pub fn root(&self) -> &Error {
        match self {
            Error::Within { source, .. } | Error::Training { source, .. } => source.root(),
            other => other,
        }
    }

    /// An invalid-argument error; `detail` should say what was expected and what came.
    pub fn invalid(op: &'static str, detail: impl Into<String>) -> Self {
        Error::InvalidArgument {
            op,
            detail: detail.into(),
        }
    }
}
