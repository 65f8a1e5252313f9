//! The rule that decides whether OpenBLAS's kernel set fits the CPU: a pure
//! function of the core name OpenBLAS reports, the CPU's features, the user's
//! own `OPENBLAS_CORETYPE` and the names already tried.

use super::cpu::CpuFeatures;

/// OpenBLAS kernel sets that use AVX2 and FMA (or more): on a CPU that has
/// them, any other set leaves most of the arithmetic units idle.
const AVX2_CORES: [&str; 6] = [
    "Haswell",
    "Zen",
    "SkylakeX",
    "CooperLake",
    "SapphireRapids",
    "Excavator",
];

/// The sets among them that use AVX-512. On an AVX-512 CPU the others run
/// at half width (an OpenBLAS older than the CPU picks them, or a setting
/// made for another machine): on a Zen 5 EPYC, Haswell's kernels ran
/// chapter 7's training iteration 1.4× slower than SkylakeX's
/// (`book/src/benchmarks.md`).
const AVX512_CORES: [&str; 3] = ["SkylakeX", "CooperLake", "SapphireRapids"];

/// What to do about the kernel set OpenBLAS picked at load time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KernelAdvice {
    /// The kernels fit the CPU, or the check does not apply (not x86-64, or
    /// a CPU without AVX2 and FMA, for which the older sets are right).
    Fitting,
    /// The user set `OPENBLAS_CORETYPE` themselves: respected, never overridden.
    UserChoice {
        /// The user's value.
        coretype: String,
    },
    /// OpenBLAS runs a kernel set older than the CPU (it did not recognise
    /// it): setting `OPENBLAS_CORETYPE=coretype` before it loads fixes it.
    Switch {
        /// The core OpenBLAS reports, e.g. `"Prescott"`.
        core: String,
        /// The name to set, e.g. `"SkylakeX"` or `"Haswell"`.
        coretype: &'static str,
        /// What the CPU has that the current kernels don't use.
        features: CpuFeatures,
    },
    /// As `Switch`, but every fitting name has been tried and OpenBLAS still
    /// runs the old kernels (a build without them): nothing to do but say so.
    Unfixable {
        /// The core OpenBLAS reports.
        core: String,
        /// The CPU's features.
        features: CpuFeatures,
    },
}

/// Whether `core` is one of the kernel sets built for AVX2 and FMA.
pub fn is_avx2_core(core: &str) -> bool {
    AVX2_CORES.iter().any(|c| c.eq_ignore_ascii_case(core))
}

/// Whether `core` is one of the kernel sets built for AVX-512.
pub fn is_avx512_core(core: &str) -> bool {
    AVX512_CORES.iter().any(|c| c.eq_ignore_ascii_case(core))
}

/// Decides what to do about the kernel set `core` on a CPU with `cpu`'s
/// features. `user_coretype` is an `OPENBLAS_CORETYPE` the user set (not one
/// this crate set on a restart); `tried` lists the names this crate has
/// already restarted with, so that a build lacking a kernel set gets the
/// next best name and never a loop.
///
/// ```
/// use nn_core::blas::{CpuFeatures, KernelAdvice, advise};
/// let avx512 = CpuFeatures { x86_64: true, avx2: true, fma: true, avx512: true };
/// assert!(matches!(
///     advise("Prescott", avx512, None, &[]),
///     KernelAdvice::Switch { coretype: "SkylakeX", .. }
/// ));
/// assert_eq!(advise("SkylakeX", avx512, None, &[]), KernelAdvice::Fitting);
/// ```
pub fn advise(
    core: &str,
    cpu: CpuFeatures,
    user_coretype: Option<&str>,
    tried: &[&str],
) -> KernelAdvice {
    if let Some(coretype) = user_coretype.filter(|c| !c.trim().is_empty()) {
        return KernelAdvice::UserChoice {
            coretype: coretype.to_owned(),
        };
    }
    if !(cpu.x86_64 && cpu.avx2 && cpu.fma) || is_avx512_core(core) {
        return KernelAdvice::Fitting;
    }
    if is_avx2_core(core) {
        // AVX2 kernels on an AVX-512 CPU: SkylakeX's if the build has them;
        // if it hasn't, the AVX2 ones are the next best and fit.
        let tried_skylakex = tried.iter().any(|t| t.eq_ignore_ascii_case("SkylakeX"));
        return if cpu.avx512 && !tried_skylakex {
            KernelAdvice::Switch {
                core: core.to_owned(),
                coretype: "SkylakeX",
                features: cpu,
            }
        } else {
            KernelAdvice::Fitting
        };
    }
    // Best first: SkylakeX needs AVX-512; Haswell's kernels run on any AVX2 + FMA CPU.
    let candidates: &[&'static str] = if cpu.avx512 {
        &["SkylakeX", "Haswell"]
    } else {
        &["Haswell"]
    };
    match candidates
        .iter()
        .find(|c| !tried.iter().any(|t| t.eq_ignore_ascii_case(c)))
    {
        Some(coretype) => KernelAdvice::Switch {
            core: core.to_owned(),
            coretype,
            features: cpu,
        },
        None => KernelAdvice::Unfixable {
            core: core.to_owned(),
            features: cpu,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AVX512: CpuFeatures = CpuFeatures {
        x86_64: true,
        avx2: true,
        fma: true,
        avx512: true,
    };
    const AVX2: CpuFeatures = CpuFeatures {
        avx512: false,
        ..AVX512
    };
    const SSE_ONLY: CpuFeatures = CpuFeatures {
        x86_64: true,
        avx2: false,
        fma: false,
        avx512: false,
    };
    const ARM: CpuFeatures = CpuFeatures {
        x86_64: false,
        avx2: false,
        fma: false,
        avx512: false,
    };

    fn switch(core: &str, coretype: &'static str, features: CpuFeatures) -> KernelAdvice {
        KernelAdvice::Switch {
            core: core.into(),
            coretype,
            features,
        }
    }

    #[test]
    fn a_generic_core_on_an_avx512_cpu_gets_skylakex() {
        assert_eq!(
            advise("Prescott", AVX512, None, &[]),
            switch("Prescott", "SkylakeX", AVX512)
        );
        assert_eq!(
            advise("Nehalem", AVX512, None, &[]),
            switch("Nehalem", "SkylakeX", AVX512)
        );
    }

    #[test]
    fn a_generic_core_on_an_avx2_cpu_gets_haswell() {
        for core in ["Prescott", "Core2", "Sandybridge", "Barcelona", "Unknown"] {
            assert_eq!(advise(core, AVX2, None, &[]), switch(core, "Haswell", AVX2));
        }
    }

    #[test]
    fn a_build_without_skylakex_falls_back_to_haswell_then_gives_up() {
        assert_eq!(
            advise("Prescott", AVX512, None, &["SkylakeX"]),
            switch("Prescott", "Haswell", AVX512)
        );
        assert_eq!(
            advise("Prescott", AVX512, None, &["SkylakeX", "Haswell"]),
            KernelAdvice::Unfixable {
                core: "Prescott".into(),
                features: AVX512
            }
        );
        assert_eq!(
            advise("Prescott", AVX2, None, &["haswell"]),
            KernelAdvice::Unfixable {
                core: "Prescott".into(),
                features: AVX2
            }
        );
    }

    #[test]
    fn a_recognised_core_is_left_alone() {
        for core in ["SkylakeX", "COOPERLAKE", "SapphireRapids"] {
            assert_eq!(advise(core, AVX512, None, &[]), KernelAdvice::Fitting);
        }
        for core in ["Zen", "Haswell", "Excavator"] {
            assert_eq!(advise(core, AVX2, None, &[]), KernelAdvice::Fitting);
        }
    }

    #[test]
    fn avx2_kernels_on_an_avx512_cpu_get_skylakex_once() {
        // Zen 4 and 5 under OpenBLAS 0.3.21: its Zen (Haswell) kernels.
        for core in ["Zen", "Haswell"] {
            assert_eq!(
                advise(core, AVX512, None, &[]),
                switch(core, "SkylakeX", AVX512)
            );
            // A build without SkylakeX's kernels: the AVX2 ones fit.
            assert_eq!(
                advise(core, AVX512, None, &["SkylakeX"]),
                KernelAdvice::Fitting
            );
        }
    }

    #[test]
    fn the_users_own_setting_is_respected() {
        assert_eq!(
            advise("Prescott", AVX512, Some("Prescott"), &[]),
            KernelAdvice::UserChoice {
                coretype: "Prescott".into()
            }
        );
        // An empty variable is no setting.
        assert_eq!(
            advise("Prescott", AVX2, Some(" "), &[]),
            switch("Prescott", "Haswell", AVX2)
        );
    }

    #[test]
    fn old_or_non_x86_cpus_are_not_checked() {
        assert_eq!(
            advise("Prescott", SSE_ONLY, None, &[]),
            KernelAdvice::Fitting
        );
        assert_eq!(advise("armv8", ARM, None, &[]), KernelAdvice::Fitting);
        assert_eq!(advise("Prescott", ARM, None, &[]), KernelAdvice::Fitting);
    }
}
