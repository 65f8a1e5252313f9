//! `compare`: our workloads against numpy, PyTorch and candle on this machine,
//! with thread counts pinned equal, several runs each, one table.
//!
//!     cargo run --release -p nn-benches --bin compare -- [--runs 5] [--threads 1,2]
//!         [--workloads S,M-sigmoid,M-relu,L] [--write book/src/benchmarks.md]
//!
//! Every measurement runs in its own process so that the thread settings
//! (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS, MKL_NUM_THREADS, RAYON_NUM_THREADS,
//! torch.set_num_threads) hold from the start. A peer that is not installed is
//! skipped with a note.

use nn_benches::median;
use std::path::{Path, PathBuf};
use std::process::Command;

use nn_benches::{Workload, gemm_seconds_per_step, seconds_per_step};

const CASES: [(&str, &str); 7] = [
    ("S", "f64"),
    ("S", "f32"),
    ("M-sigmoid", "f32"),
    ("M-sigmoid", "f64"),
    ("M-relu", "f32"),
    ("M-relu", "f64"),
    ("L", "f32"),
];

/// Everything from this line on in the written file is kept by `--write`.
const KEEP_MARKER: &str = "<!-- compare --write keeps what follows -->";

/// Worker mode: `compare --worker WORKLOAD DTYPE RUNS` prints RESULT and GEMM lines.
fn worker(name: &str, dtype: &str, runs: usize) -> nn_core::Result<()> {
    let w = Workload::by_name(name)
        .ok_or_else(|| nn_core::Error::invalid("compare", format!("unknown workload {name}")))?;
    let (mut steps, mut gemms) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        if dtype == "f64" {
            steps.push(seconds_per_step::<f64>(w)?);
            gemms.push(gemm_seconds_per_step::<f64>(w)?);
        } else {
            steps.push(seconds_per_step::<f32>(w)?);
            gemms.push(gemm_seconds_per_step::<f32>(w)?);
        }
    }
    println!("VERSION ours {}", env!("CARGO_PKG_VERSION"));
    println!("BLAS {}", nn_core::blas::backend_name());
    println!(
        "RESULT {}",
        steps
            .iter()
            .map(|s| format!("{s:e}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "GEMM {}",
        gemms
            .iter()
            .map(|s| format!("{s:e}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    Ok(())
}

struct Measured {
    step: f64,
    gemm: Option<f64>,
    version: String,
    blas: Option<String>,
}

/// Runs one measurement process; None (with the reason) when the peer can't run.
fn measure(mut cmd: Command, threads: usize) -> Result<Measured, String> {
    for var in [
        "OPENBLAS_NUM_THREADS",
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "RAYON_NUM_THREADS",
    ] {
        cmd.env(var, threads.to_string());
    }
    let output = cmd.output().map_err(|e| format!("cannot start: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let err = String::from_utf8_lossy(&output.stderr);
        return Err(err.lines().last().unwrap_or("failed").to_owned());
    }
    let numbers = |tag: &str| -> Option<Vec<f64>> {
        text.lines().find_map(|l| l.strip_prefix(tag)).map(|rest| {
            rest.split_whitespace()
                .filter_map(|v| v.parse().ok())
                .collect()
        })
    };
    let step = numbers("RESULT ").map(median).ok_or("no RESULT line")?;
    let version = text
        .lines()
        .find_map(|l| l.strip_prefix("VERSION "))
        .unwrap_or("?")
        .to_owned();
    Ok(Measured {
        step,
        gemm: numbers("GEMM ").map(median),
        version,
        blas: text
            .lines()
            .find_map(|l| l.strip_prefix("BLAS "))
            .map(str::to_owned),
    })
}

fn shell(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn main() {
    // Workers inherit the restarted process's OPENBLAS_CORETYPE.
    nn_core::blas::ensure_fitting_kernels();
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--worker") {
        let runs = args.get(4).and_then(|r| r.parse().ok()).unwrap_or(3);
        if let Err(e) = worker(&args[2], &args[3], runs) {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
        return;
    }
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let runs: usize = flag("--runs").and_then(|r| r.parse().ok()).unwrap_or(5);
    let threads: Vec<usize> = flag("--threads")
        .unwrap_or_else(|| "1,2".into())
        .split(',')
        .filter_map(|t| t.parse().ok())
        .collect();
    let workloads = flag("--workloads").unwrap_or_else(|| "S,M-sigmoid,M-relu,L".into());
    let write = flag("--write").map(PathBuf::from);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let peers = root.join("peers");
    let candle = peers.join("candle/target/release/candle-peer");
    let me = std::env::current_exe().expect("the running binary has a path");

    let mut notes = Vec::new();
    let python_has = |module: &str| {
        Command::new("python3")
            .args(["-c", &format!("import {module}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let has_numpy = python_has("numpy");
    let has_torch = python_has("torch");
    if !has_numpy {
        notes.push("numpy is not installed (pip install numpy): skipped".to_owned());
    }
    if !has_torch {
        notes.push("PyTorch is not installed (pip install torch): skipped".to_owned());
    }
    if !candle.exists() {
        notes.push(format!(
            "candle peer not built (cargo build --release --manifest-path {}/candle/Cargo.toml): skipped",
            peers.display()
        ));
    }

    let mut versions = std::collections::BTreeSet::new();
    let mut blas_in_workers = std::collections::BTreeSet::new();
    let mut rows = Vec::new();
    let header = "| workload | dtype | threads | ours: µs/step | samples/s | in gemm | numpy µs (ours ×) | PyTorch µs (ours ×) | candle µs (ours ×) |";
    println!("{header}");
    println!("|---|---|---|---|---|---|---|---|---|");
    for (name, dtype) in CASES {
        if !workloads.split(',').any(|w| w.eq_ignore_ascii_case(name)) {
            continue;
        }
        let w = Workload::by_name(name).expect("CASES names defined workloads");
        for &t in &threads {
            let runs_s = runs.to_string();
            let mut ours_cmd = Command::new(&me);
            ours_cmd.args(["--worker", name, dtype, &runs_s]);
            let ours = measure(ours_cmd, t);
            let peer =
                |enabled: bool, cmd: Command| if enabled { Some(measure(cmd, t)) } else { None };
            let mut numpy = Command::new("python3");
            numpy
                .current_dir(&peers)
                .args(["numpy_peer.py", name, dtype, &runs_s]);
            let mut torch = Command::new("python3");
            torch
                .current_dir(&peers)
                .args(["torch_peer.py", name, dtype, &runs_s, &t.to_string()]);
            let mut cndl = Command::new(&candle);
            cndl.args([name, dtype, &runs_s]);
            let results = [
                peer(has_numpy, numpy),
                peer(has_torch, torch),
                peer(candle.exists(), cndl),
            ];

            let (ours_cell, rate, share, ours_step) = match &ours {
                Ok(m) => {
                    versions.insert(m.version.clone());
                    blas_in_workers.extend(m.blas.clone());
                    let share = m
                        .gemm
                        .map_or("–".into(), |g| format!("{:.0}%", 100.0 * g / m.step));
                    (
                        format!("{:.1}", m.step * 1e6),
                        format!("{:.0}", w.batch as f64 / m.step),
                        share,
                        Some(m.step),
                    )
                }
                Err(e) => (format!("failed: {e}"), "–".into(), "–".into(), None),
            };
            let cells: Vec<String> = results
                .iter()
                .map(|r| match r {
                    None => "–".into(),
                    Some(Err(e)) => format!("failed: {e}"),
                    Some(Ok(m)) => {
                        versions.insert(m.version.clone());
                        match ours_step {
                            Some(o) => format!("{:.1} ({:.2}×)", m.step * 1e6, m.step / o),
                            None => format!("{:.1}", m.step * 1e6),
                        }
                    }
                })
                .collect();
            let row = format!(
                "| {name} | {dtype} | {t} | {ours_cell} | {rate} | {share} | {} | {} | {} |",
                cells[0], cells[1], cells[2]
            );
            println!("{row}");
            rows.push(row);
        }
    }
    for note in &notes {
        println!("note: {note}");
    }

    if let Some(path) = write {
        let date = shell("date", &["-u", "+%Y-%m-%d %H:%M UTC"]);
        let cpu = nn_core::blas::CpuInfo::detect();
        let cores = shell("nproc", &[]);
        let blas = if blas_in_workers.is_empty() {
            nn_core::blas::backend_name()
        } else {
            blas_in_workers.into_iter().collect::<Vec<_>>().join("; ")
        };
        let mut doc = String::new();
        doc.push_str("# Benchmarks: a training step against numpy, PyTorch and candle\n\n");
        doc.push_str(&format!(
            "Measured {date} on {cpu} ({cores} cores) with `cargo run --release -p nn-benches --bin compare -- --runs {runs} --threads {} --write {}`.\n\n",
            threads.iter().map(usize::to_string).collect::<Vec<_>>().join(","),
            path.display()
        ));
        doc.push_str(&format!(
            "Our BLAS, as the measuring processes reported it: {blas}. \
             Set `OPENBLAS_CORETYPE` before comparing by hand: our programs restart themselves with \
             the right kernels when OpenBLAS does not recognise the CPU, a hand-run peer does not.\n\n"
        ));
        doc.push_str(&format!(
            "Versions: {}. Each cell is the median of {runs} runs, each run timing the workload's steps \
             (S: the book's 300 epochs, 3000 steps, with a shuffle per epoch; M: 100 steps of batch 100; L: 20 steps of batch 256). \
             \"ours ×\" is how many times faster our step is; \"in gemm\" is the time the step's matrix products take alone \
             (the same shapes through the same BLAS) over the step's time.\n\n",
            versions.into_iter().collect::<Vec<_>>().join(", ")
        ));
        doc.push_str("Workloads (defined once in `benches/src/lib.rs`, and in `benches/peers/common.py` and `benches/peers/candle/src/main.rs` for the peers):\n\n");
        doc.push_str("- **S**, the book's run: 2 → 10 → 3, Sigmoid, batch 30, SGD lr 1.0.\n");
        doc.push_str("- **M**: 784 → 1000 → 10 with Sigmoid or ReLU, batch 100, synthetic normal inputs, random labels.\n");
        doc.push_str("- **L**: 784 → 4096 → 4096 → 10, ReLU, batch 256, f32.\n\n");
        doc.push_str(header);
        doc.push_str("\n|---|---|---|---|---|---|---|---|---|\n");
        for row in &rows {
            doc.push_str(row);
            doc.push('\n');
        }
        for note in &notes {
            doc.push_str(&format!("\nNote: {note}\n"));
        }
        // Sections measured by other commands (chapter 2's pipeline against
        // the book's script) follow a marker, and are kept as they are.
        if let Ok(old) = std::fs::read_to_string(&path) {
            if let Some(at) = old.find(KEEP_MARKER) {
                doc.push('\n');
                doc.push_str(&old[at..]);
            }
        }
        if let Err(e) =
            nn_train::write_atomic(&path, |f| std::io::Write::write_all(f, doc.as_bytes()))
        {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
        println!("wrote {}", path.display());
    }
}
