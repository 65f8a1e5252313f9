//! The binary runs OpenBLAS kernels that fit the CPU, with no action from the
//! user, and `info` says which.

mod common;

use assert_cmd::Command;

/// The binary with no kernel setting of the caller's.
fn nn_examples() -> Command {
    let mut cmd = common::nn_examples();
    cmd.env_remove("OPENBLAS_CORETYPE")
        .env_remove(nn_core::blas::TRIED_VAR);
    cmd
}

#[cfg(feature = "blas")]
/// Runs `info` with OpenBLAS's load-time report on; returns (stdout, the
/// cores OpenBLAS reported at each load, in order).
fn info_with_cores(cmd: &mut Command) -> (String, Vec<String>) {
    let output = cmd
        .arg("info")
        .env("OPENBLAS_VERBOSE", "2")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    let cores = stderr
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Core: "))
        .map(|c| c.trim().to_owned())
        .collect();
    (String::from_utf8(output.stdout).unwrap(), cores)
}

#[test]
fn info_names_the_blas_and_the_cpu() {
    let output = nn_examples().arg("info").output().unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<_> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!("nn-examples {}", env!("CARGO_PKG_VERSION"))
    );
    assert!(lines[1].starts_with("BLAS: "), "{stdout}");
    #[cfg(feature = "blas")]
    assert!(lines[1].starts_with("BLAS: OpenBLAS 0."), "{stdout}");
    #[cfg(not(feature = "blas"))]
    assert!(lines[1].contains("matrixmultiply"), "{stdout}");
    assert!(lines[2].starts_with("CPU: "), "{stdout}");
    assert!(lines[3].starts_with("kernels: "), "{stdout}");
}

#[cfg(feature = "blas")]
fn has_avx2_and_fma() -> bool {
    let cpu = nn_core::blas::CpuFeatures::detect();
    cpu.x86_64 && cpu.avx2 && cpu.fma
}

#[cfg(feature = "blas")]
#[test]
fn the_binary_does_not_end_on_a_generic_core() {
    if !has_avx2_and_fma() {
        eprintln!("skipped: this CPU has no AVX2 and FMA, so a generic core may be right");
        return;
    }
    let (stdout, cores) = info_with_cores(&mut nn_examples());
    let last = cores.last().expect("OPENBLAS_VERBOSE=2 reports the core");
    assert!(nn_core::blas::is_avx2_core(last), "{cores:?}\n{stdout}");
    assert!(stdout.contains("kernels: fit the CPU"), "{stdout}");
}

#[cfg(feature = "blas")]
#[test]
fn generic_kernels_are_replaced_by_one_restart() {
    if !has_avx2_and_fma() {
        eprintln!("skipped: this CPU has no AVX2 and FMA");
        return;
    }
    // As if an earlier start had been given Prescott kernels by an OpenBLAS
    // that didn't know the CPU: the process finds generic kernels it did
    // not ask for and restarts once with the best name left.
    let (stdout, cores) = info_with_cores(
        nn_examples()
            .env("OPENBLAS_CORETYPE", "Prescott")
            .env(nn_core::blas::TRIED_VAR, "Prescott"),
    );
    assert_eq!(cores.len(), 2, "one restart: {cores:?}");
    assert_eq!(cores[0], "Prescott");
    assert!(nn_core::blas::is_avx2_core(&cores[1]), "{cores:?}");
    assert!(stdout.contains("kernels: fit the CPU"), "{stdout}");
}

#[cfg(feature = "blas")]
#[test]
fn the_users_own_coretype_is_never_overridden() {
    let (stdout, cores) = info_with_cores(nn_examples().env("OPENBLAS_CORETYPE", "Prescott"));
    assert_eq!(cores, ["Prescott"], "no restart");
    assert!(
        stdout.contains("kernels: set by OPENBLAS_CORETYPE=Prescott (yours, left as it is"),
        "{stdout}"
    );
    // On a CPU the rule would give other kernels, the line says which.
    let features = nn_core::blas::CpuFeatures::detect();
    if features.avx2 && features.fma {
        assert!(
            stdout.contains("would run") && stdout.contains("kernels, faster"),
            "{stdout}"
        );
    }
}
