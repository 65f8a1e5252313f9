//! Which BLAS runs the matrix products, and whether its kernels fit the CPU.
//!
//! OpenBLAS picks a kernel set ("core") for the CPU when it loads. A build
//! older than the CPU does not recognise it and falls back to generic kernels
//! (Debian 12's OpenBLAS 0.3.21 runs `Prescott` kernels on Sapphire and
//! Emerald Rapids Xeons), and every matrix product then runs 3–5× slower than
//! it can. The variable `OPENBLAS_CORETYPE` fixes it, but only when it is set
//! before the library loads, which for a dynamically linked program means
//! before the program starts.
//!
//! * [`blas_info`] says what is in use: library, version, core, threads.
//! * [`advise`] is the rule (core + CPU features + the user's setting → what
//!   to do), a pure function; [`kernel_advice`] applies it to this process.
//! * The first layer with a matrix product that a process builds prints one
//!   warning on stderr when the kernels don't fit, with the fix.
//! * [`ensure_fitting_kernels`], called first thing in `main`, restarts the
//!   program once with the right `OPENBLAS_CORETYPE` instead; the user's own
//!   setting always wins, and a guard variable makes a loop impossible.
//!
//! ```no_run
//! // The first line of `main`: it may restart the program, once.
//! nn_core::blas::ensure_fitting_kernels();
//! // ... build layers and train ...
//! ```

mod advice;
mod cpu;

use std::fmt;
use std::sync::Once;

pub use advice::{KernelAdvice, advise, is_avx2_core, is_avx512_core};
pub use cpu::{CpuFeatures, CpuInfo};

/// The variable that lists the `OPENBLAS_CORETYPE` values this crate set on
/// its own restarts (comma-separated), so that they are told apart from a
/// user's setting and never tried twice.
pub const TRIED_VAR: &str = "NN_BLAS_CORETYPES_TRIED";

/// The BLAS library behind the matrix products.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlasInfo {
    /// The library, `"OpenBLAS"`.
    pub library: &'static str,
    /// Its version, e.g. `"0.3.21"`.
    pub version: String,
    /// Its build configuration, as `openblas_get_config()` reports it.
    pub config: String,
    /// The kernel set in use, e.g. `"Haswell"`, `"Zen"`, `"SkylakeX"`, `"Prescott"`.
    pub core: String,
    /// The threads its products may use.
    pub threads: usize,
}

impl fmt::Display for BlasInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}, core {}, {} thread{} ({})",
            self.library,
            self.version,
            self.core,
            self.threads,
            if self.threads == 1 { "" } else { "s" },
            self.config
        )
    }
}

#[cfg(feature = "blas")]
mod ffi {
    use std::ffi::{c_char, c_int};
    unsafe extern "C" {
        pub fn openblas_get_config() -> *const c_char;
        pub fn openblas_get_corename() -> *const c_char;
        pub fn openblas_get_num_threads() -> c_int;
        pub fn openblas_set_num_threads(n: c_int);
    }
}

/// What runs the matrix products: `Some` with OpenBLAS's version, core and
/// threads when the `blas` feature links it, `None` in a build without it
/// (ndarray's pure-Rust `matrixmultiply`; see [`backend_name`]).
pub fn blas_info() -> Option<BlasInfo> {
    #[cfg(feature = "blas")]
    {
        let text = |p: *const std::ffi::c_char| {
            if p.is_null() {
                String::new()
            } else {
                // SAFETY: OpenBLAS returns pointers to static NUL-terminated strings.
                unsafe { std::ffi::CStr::from_ptr(p) }
                    .to_string_lossy()
                    .trim()
                    .to_owned()
            }
        };
        // SAFETY: these take no arguments and only read OpenBLAS's globals.
        let (config, core, threads) = unsafe {
            (
                text(ffi::openblas_get_config()),
                text(ffi::openblas_get_corename()),
                ffi::openblas_get_num_threads(),
            )
        };
        let version = config
            .strip_prefix("OpenBLAS ")
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or("?")
            .to_owned();
        Some(BlasInfo {
            library: "OpenBLAS",
            version,
            config,
            core,
            threads: usize::try_from(threads).unwrap_or(1).max(1),
        })
    }
    #[cfg(not(feature = "blas"))]
    {
        None
    }
}

/// One line naming the backend, for `--version`-style reports: the
/// [`BlasInfo`], or that the pure-Rust product is in use.
pub fn backend_name() -> String {
    blas_info().map_or_else(
        || "matrixmultiply (pure Rust; built without the `blas` feature)".to_owned(),
        |info| info.to_string(),
    )
}

/// Sets the threads of BLAS's products (OpenBLAS's `openblas_set_num_threads`)
/// and of the element-wise work between them ([`crate::parallel`]). `0` is
/// taken as 1.
pub fn set_threads(threads: usize) {
    crate::parallel::set_threads(threads);
    set_openblas_threads(threads);
}

/// OpenBLAS's own thread count (1 without the `blas` feature).
pub(crate) fn openblas_threads() -> usize {
    #[cfg(feature = "blas")]
    {
        // SAFETY: a plain getter of OpenBLAS's thread count.
        let n = unsafe { ffi::openblas_get_num_threads() };
        usize::try_from(n).unwrap_or(1).max(1)
    }
    #[cfg(not(feature = "blas"))]
    1
}

/// Sets OpenBLAS's own thread count only (`0` is taken as 1): with
/// [`crate::parallel::set_threads`], a program can leave every product to
/// one BLAS thread and split only the large ones between its own threads,
/// which is what chapter 6's commands do (see [`crate::parallel::gemm`]).
pub fn set_openblas_threads(threads: usize) {
    #[cfg(feature = "blas")]
    {
        let n = std::ffi::c_int::try_from(threads.max(1)).unwrap_or(std::ffi::c_int::MAX);
        // SAFETY: a plain setter of OpenBLAS's thread count.
        unsafe { ffi::openblas_set_num_threads(n) }
    }
    #[cfg(not(feature = "blas"))]
    let _ = threads;
}

/// The names this crate has set on earlier restarts of this program.
fn tried() -> Vec<String> {
    std::env::var(TRIED_VAR)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The rule applied to this process: its OpenBLAS core, its CPU, and
/// `OPENBLAS_CORETYPE` unless this crate set it on a restart.
/// [`KernelAdvice::Fitting`] without the `blas` feature.
pub fn kernel_advice() -> KernelAdvice {
    let Some(info) = blas_info() else {
        return KernelAdvice::Fitting;
    };
    let tried = tried();
    let set = std::env::var("OPENBLAS_CORETYPE").ok();
    let ours = set.as_deref().is_some_and(|s| {
        tried
            .last()
            .is_some_and(|t| t.eq_ignore_ascii_case(s.trim()))
    });
    let user = if ours { None } else { set.as_deref() };
    let tried: Vec<&str> = tried.iter().map(String::as_str).collect();
    advise(&info.core, CpuFeatures::detect(), user, &tried)
}

/// The warning for kernels that don't fit, or `None` when they do.
pub fn kernel_warning(advice: &KernelAdvice) -> Option<String> {
    let version = blas_info().map_or_else(String::new, |i| format!(" {}", i.version));
    match advice {
        KernelAdvice::Switch {
            core,
            coretype,
            features,
        } if is_avx2_core(core) => Some(format!(
            "warning: OpenBLAS{version} runs its AVX2 {core} kernels on this CPU ({features}), \
             whose AVX-512 its {coretype} kernels use: the matrix products run about 1.4x \
             slower than they can. Fix: start the program with OPENBLAS_CORETYPE={coretype} \
             set, or call nn_core::blas::ensure_fitting_kernels() first thing in main."
        )),
        KernelAdvice::Switch {
            core,
            coretype,
            features,
        } => Some(format!(
            "warning: OpenBLAS{version} did not recognise this CPU ({features}) and runs its \
             generic {core} kernels: every matrix product is 3-5x slower than it can be. \
             Fix: start the program with OPENBLAS_CORETYPE={coretype} set \
             (e.g. `OPENBLAS_CORETYPE={coretype} cargo run --release ...`), or call \
             nn_core::blas::ensure_fitting_kernels() first thing in main."
        )),
        KernelAdvice::Unfixable { core, features } => Some(format!(
            "warning: OpenBLAS{version} runs its generic {core} kernels on this CPU \
             ({features}), and this build has no kernels that fit it (tried \
             OPENBLAS_CORETYPE={}): every matrix product is 3-5x slower than it can be. \
             A newer OpenBLAS recognises the CPU.",
            tried().join(", ")
        )),
        KernelAdvice::Fitting | KernelAdvice::UserChoice { .. } => None,
    }
}

/// Prints the kernel warning on stderr, at most once per process. Layers
/// with matrix products call this when they are built, so that a library
/// user hears about slow kernels without asking.
pub fn warn_if_unfit() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if let Some(warning) = kernel_warning(&kernel_advice()) {
            eprintln!("{warning}");
        }
    });
}

/// Makes this program run with kernels that fit the CPU: when OpenBLAS runs
/// generic kernels on a CPU it did not recognise, the program is started
/// again in place (Unix `exec`, same arguments and environment) with
/// `OPENBLAS_CORETYPE` set, which OpenBLAS reads only when it loads. Call it
/// first thing in `main`, before any other work: a restart repeats whatever
/// ran before it.
///
/// The user's own `OPENBLAS_CORETYPE` is never overridden; [`TRIED_VAR`]
/// records each name set, so a build lacking a kernel set gets the next best
/// name (SkylakeX, then Haswell) and then a warning, never a loop. Elsewhere
/// (fitting kernels, no `blas` feature, not Unix) it does nothing, or warns
/// when it cannot restart.
pub fn ensure_fitting_kernels() {
    #[cfg(unix)]
    if let KernelAdvice::Switch { core, coretype, .. } = kernel_advice() {
        use std::os::unix::process::CommandExt;
        if let Ok(exe) = std::env::current_exe() {
            let mut tried = tried();
            tried.push(coretype.to_owned());
            let kind = if is_avx2_core(&core) {
                "AVX2"
            } else {
                "generic"
            };
            eprintln!(
                "note: OpenBLAS picked its {kind} {core} kernels for this CPU; \
                 restarting with OPENBLAS_CORETYPE={coretype}"
            );
            let error = std::process::Command::new(exe)
                .args(std::env::args_os().skip(1))
                .env("OPENBLAS_CORETYPE", coretype)
                .env(TRIED_VAR, tried.join(","))
                .exec();
            // exec returns only when it failed; run on, with the warning.
            eprintln!("note: the restart failed ({error})");
        }
    }
    warn_if_unfit();
}
