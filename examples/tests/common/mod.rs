//! What the command-line tests share: the binary as a user runs it.

use assert_cmd::Command;

/// `nn-examples`, with OpenBLAS on one thread (its spinning threads fight
/// the test threads on small machines).
pub fn nn_examples() -> Command {
    let mut cmd = Command::cargo_bin("nn-examples").unwrap();
    cmd.env("OPENBLAS_NUM_THREADS", "1");
    cmd
}

/// Runs `cmd`, asserts it succeeded (showing its stderr if not), and returns its stdout.
#[allow(dead_code)] // not every test binary that includes this module runs commands this way
pub fn stdout_of(cmd: &mut Command) -> String {
    let output = cmd.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// `stderr` without the notes the program may print first when it restarts
/// itself with OpenBLAS kernels that fit the CPU (see
/// `nn_core::blas::ensure_fitting_kernels`): what a test of an error message
/// reads, on every machine.
#[allow(dead_code)] // not every test binary that includes this module reads errors
pub fn after_kernel_notes(stderr: &str) -> &str {
    let mut rest = stderr;
    while rest.starts_with("note: OpenBLAS ") || rest.starts_with("note: the restart failed") {
        rest = rest.split_once('\n').map_or("", |(_, after)| after);
    }
    rest
}
