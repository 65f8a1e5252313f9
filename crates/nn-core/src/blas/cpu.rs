//! What the processor is and which vector instructions it has, read with
//! `cpuid` (no `/proc`), for the kernel check and for benchmark reports.

use std::fmt;

/// The processor's name, family and model numbers and the vector features
/// that decide which OpenBLAS kernels fit it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CpuInfo {
    /// The brand string, e.g. `"AMD EPYC"` or `"Intel(R) Xeon(R) Platinum 8581C"`.
    pub model_name: String,
    /// The vendor, e.g. `"GenuineIntel"`, `"AuthenticAMD"`.
    pub vendor: String,
    /// The display family (`/proc/cpuinfo`'s `cpu family`).
    pub family: u32,
    /// The display model (`/proc/cpuinfo`'s `model`).
    pub model: u32,
    /// The features the kernel rule reads.
    pub features: CpuFeatures,
}

/// The instruction-set facts that decide which kernel set a CPU can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CpuFeatures {
    /// An x86-64 processor (the only kind whose OpenBLAS kernel sets are checked).
    pub x86_64: bool,
    /// AVX2 (256-bit integer and float vectors).
    pub avx2: bool,
    /// Fused multiply-add (FMA3).
    pub fma: bool,
    /// AVX-512 F, BW, DQ and VL together: what OpenBLAS's SkylakeX kernels use.
    pub avx512: bool,
}

impl CpuFeatures {
    /// The features of the processor this runs on.
    pub fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            Self {
                x86_64: true,
                avx2: std::is_x86_feature_detected!("avx2"),
                fma: std::is_x86_feature_detected!("fma"),
                avx512: std::is_x86_feature_detected!("avx512f")
                    && std::is_x86_feature_detected!("avx512bw")
                    && std::is_x86_feature_detected!("avx512dq")
                    && std::is_x86_feature_detected!("avx512vl"),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            Self::default()
        }
    }
}

impl fmt::Display for CpuFeatures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.x86_64 {
            return f.write_str("not x86-64");
        }
        let names: Vec<&str> = [
            (self.avx512, "AVX-512"),
            (self.avx2, "AVX2"),
            (self.fma, "FMA"),
        ]
        .into_iter()
        .filter_map(|(has, name)| has.then_some(name))
        .collect();
        if names.is_empty() {
            f.write_str("no AVX2")
        } else {
            f.write_str(&names.join(", "))
        }
    }
}

impl CpuInfo {
    /// The processor this runs on.
    pub fn detect() -> Self {
        let mut info = Self {
            features: CpuFeatures::detect(),
            ..Self::default()
        };
        #[cfg(target_arch = "x86_64")]
        {
            // `__cpuid` is a safe function in recent Rust releases and an unsafe
            // one in older ones that rust-version admits: one wrapper serves both.
            #[allow(unused_unsafe)]
            fn __cpuid(leaf: u32) -> std::arch::x86_64::CpuidResult {
                // SAFETY: every x86-64 processor has the cpuid instruction.
                unsafe { std::arch::x86_64::__cpuid(leaf) }
            }
            let words = |regs: &[u32]| -> String {
                let bytes: Vec<u8> = regs.iter().flat_map(|r| r.to_le_bytes()).collect();
                String::from_utf8_lossy(&bytes)
                    .trim_matches(|c: char| c == '\0' || c.is_whitespace())
                    .to_owned()
            };
            let leaf0 = __cpuid(0);
            info.vendor = words(&[leaf0.ebx, leaf0.edx, leaf0.ecx]);
            let eax = __cpuid(1).eax;
            let base_family = (eax >> 8) & 0xf;
            let base_model = (eax >> 4) & 0xf;
            // The display family and model, as the kernel and /proc/cpuinfo compute them.
            info.family = if base_family == 0xf {
                base_family + ((eax >> 20) & 0xff)
            } else {
                base_family
            };
            info.model = if base_family == 0x6 || base_family == 0xf {
                base_model | (((eax >> 16) & 0xf) << 4)
            } else {
                base_model
            };
            if __cpuid(0x8000_0000).eax >= 0x8000_0004 {
                let mut regs = Vec::with_capacity(12);
                for leaf in 0x8000_0002..=0x8000_0004u32 {
                    let r = __cpuid(leaf);
                    regs.extend([r.eax, r.ebx, r.ecx, r.edx]);
                }
                info.model_name = words(&regs);
            }
        }
        if info.model_name.is_empty() {
            info.model_name = std::env::consts::ARCH.to_owned();
        }
        info
    }
}

impl fmt::Display for CpuInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.features.x86_64 {
            write!(
                f,
                "{} ({}, family {} model {}; {})",
                self.model_name, self.vendor, self.family, self.model, self.features
            )
        } else {
            f.write_str(&self.model_name)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_gives_a_name_and_consistent_features() {
        let cpu = CpuInfo::detect();
        assert!(!cpu.model_name.is_empty());
        if cpu.features.avx512 {
            assert!(cpu.features.x86_64);
        }
        let shown = cpu.to_string();
        assert!(shown.contains(&cpu.model_name), "{shown}");
    }

    #[test]
    fn features_print_as_a_short_list() {
        let all = CpuFeatures {
            x86_64: true,
            avx2: true,
            fma: true,
            avx512: true,
        };
        assert_eq!(all.to_string(), "AVX-512, AVX2, FMA");
        let old = CpuFeatures {
            x86_64: true,
            ..CpuFeatures::default()
        };
        assert_eq!(old.to_string(), "no AVX2");
        assert_eq!(CpuFeatures::default().to_string(), "not x86-64");
    }
}
