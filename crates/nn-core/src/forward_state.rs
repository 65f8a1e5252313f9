//! Whether a forward has run, and how it ended: what a backward checks.

use crate::{Error, Result};

/// Where a layer or model stands between its forward and its backward: no
/// forward yet, a forward that failed, or one that succeeded. A model keeps
/// one, so that a backward after a forward that failed halfway (some
/// layers run, others not) is refused with a message that says so, rather
/// than with the error of whichever layer did not run.
///
/// ```
/// use nn_core::{Error, ForwardState, Result};
/// let mut state = ForwardState::default();
/// assert!(matches!(state.check("Net.backward"), Err(Error::BackwardBeforeForward { .. })));
/// let failed: Result<f64> = Err(Error::invalid("Net.forward", "bad ids"));
/// state = ForwardState::of(&failed);
/// assert_eq!(
///     state.check("Net.backward").unwrap_err().to_string(),
///     "Net.backward: called after a forward that failed; run a forward that succeeds first"
/// );
/// state = ForwardState::of(&Ok::<_, Error>(1.0));
/// assert!(state.check("Net.backward").is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForwardState {
    /// No forward has run.
    #[default]
    NotRun,
    /// The last forward returned an error.
    Failed,
    /// The last forward succeeded: a backward may follow.
    Succeeded,
}

impl ForwardState {
    /// The state a forward's result leaves.
    pub fn of<T>(result: &Result<T>) -> Self {
        match result {
            Ok(_) => ForwardState::Succeeded,
            Err(_) => ForwardState::Failed,
        }
    }

    /// `Ok` when the last forward succeeded; otherwise the error naming
    /// `op` (the backward) and what went before it.
    ///
    /// # Errors
    /// No forward, or one that failed.
    pub fn check(self, op: &'static str) -> Result<()> {
        match self {
            ForwardState::Succeeded => Ok(()),
            ForwardState::NotRun => Err(Error::BackwardBeforeForward { op }),
            ForwardState::Failed => Err(Error::BackwardAfterFailedForward { op }),
        }
    }
}
