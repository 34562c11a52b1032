//! `cargo xtask measure`: generated size and compile figures for BENCHMARKS.md.
//!
//! Lines per operation (per-operation code, models, the fixed spec-dependent files and the
//! spec-independent runtime reported apart), `cargo check` time of generated crates with their
//! dependencies prebuilt, and the number of distinct crates the generated crate depends on.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Instant, SystemTime};

/// Runs of `cargo check` per crate.
const RUNS: usize = 7;
/// The name progenitor's crate is reported under.
const PROGENITOR: &str = "progenitor 0.15.1, same 14 operations (positional)";
/// The real spec's row with its core crate rebuilt too.
const BOTH: &str = "real spec, SDK and core crates";
/// Where to find progenitor's crate when it is not in `shared/reference/` above the workspace.
const BASELINE_ENV: &str = "PROGENITOR_BASELINE";

/// Line counts of one generated crate.
struct Lines {
    operations: usize,
    resources: (usize, usize),
    models: (usize, usize),
    fixed: (usize, usize),
    runtime: (usize, usize),
}

/// (all lines, code lines: neither blank nor comments) of one file.
fn count(text: &str) -> (usize, usize) {
    let code = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .count();
    (text.lines().count(), code)
}

fn add(a: (usize, usize), b: (usize, usize)) -> (usize, usize) {
    (a.0 + b.0, a.1 + b.1)
}

/// Line counts of a generated crate; hand-written extension modules (`api.extensions`) are left
/// out, since they are copied, not generated.
fn lines(files: &codegen::Files, api: &codegen::ir::Api) -> Lines {
    let operations = api.resources.iter().map(|r| r.operations.len()).sum();
    let mut l = Lines {
        operations,
        resources: (0, 0),
        models: (0, 0),
        fixed: (0, 0),
        runtime: (0, 0),
    };
    let runtime: Vec<&str> = codegen::spec_independent_files().collect();
    let hand_written: Vec<String> = api
        .extensions
        .iter()
        .map(|e| format!("src/{}.rs", e.module))
        .collect();
    for (path, text) in files
        .iter()
        .filter(|(p, _)| p.ends_with(".rs") && !hand_written.contains(p))
    {
        let n = count(text);
        match path.as_str() {
            p if runtime.contains(&p) => l.runtime = add(l.runtime, n),
            "src/models.rs" => l.models = add(l.models, n),
            p if p.starts_with("src/resources/") && p != "src/resources/mod.rs" => {
                l.resources = add(l.resources, n)
            }
            _ => l.fixed = add(l.fixed, n),
        }
    }
    l
}

fn per_op(n: (usize, usize), ops: usize) -> String {
    format!(
        "{:.1} ({:.1})",
        n.0 as f64 / ops as f64,
        n.1 as f64 / ops as f64
    )
}

/// Times `cargo check` of standalone crates, all the same way.
struct Checker {
    cargo: String,
    /// One target directory for every crate, so that shared dependencies build once.
    target: PathBuf,
}

impl Checker {
    fn check(&self, dir: &Path) -> Result<(), String> {
        let status = Command::new(&self.cargo)
            .args(["check", "--quiet"])
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", &self.target)
            .env("CARGO_INCREMENTAL", "0")
            .status()
            .map_err(|e| format!("error: cannot run cargo: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("error: {} does not compile", dir.display()))
        }
    }

    /// Builds the crates' dependencies, then times [`RUNS`] checks of each, taking turns; before
    /// each check, the crate's files named beside it are touched (so those crates rebuild).
    fn interleaved(&self, crates: &[(&Path, &[&str])]) -> Result<Vec<Vec<f64>>, String> {
        for (dir, _) in crates {
            self.check(dir)?;
        }
        let mut times = vec![Vec::new(); crates.len()];
        for _ in 0..RUNS {
            for ((dir, touched), times) in crates.iter().zip(&mut times) {
                for file in *touched {
                    let lib = dir.join(file);
                    std::fs::File::options()
                        .append(true)
                        .open(&lib)
                        .and_then(|f| f.set_modified(SystemTime::now()))
                        .map_err(|e| format!("error: cannot touch {}: {e}", lib.display()))?;
                }
                let started = Instant::now();
                self.check(dir)?;
                times.push(started.elapsed().as_secs_f64());
            }
        }
        Ok(times)
    }
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// progenitor's output for the same operations: `$PROGENITOR_BASELINE`, or
/// `shared/reference/progenitor-baseline` in a folder above the workspace.
fn progenitor_baseline(root: &Path) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(BASELINE_ENV) {
        return Some(PathBuf::from(dir));
    }
    root.ancestors()
        .map(|a| a.join("shared/reference/progenitor-baseline"))
        .find(|dir| dir.join("Cargo.toml").is_file())
}

/// Copies a folder's files (fresh, writable copies) into `to`, replacing it.
fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    if to.exists() {
        std::fs::remove_dir_all(to)
            .map_err(|e| format!("error: cannot clean {}: {e}", to.display()))?;
    }
    std::fs::create_dir_all(to)
        .map_err(|e| format!("error: cannot create {}: {e}", to.display()))?;
    let entries = std::fs::read_dir(from)
        .map_err(|e| format!("error: cannot read {}: {e}", from.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| format!("error: {e}"))?.path();
        let target = to.join(path.file_name().unwrap_or_default());
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            let bytes = std::fs::read(&path)
                .map_err(|e| format!("error: cannot read {}: {e}", path.display()))?;
            std::fs::write(&target, bytes)
                .map_err(|e| format!("error: cannot write {}: {e}", target.display()))?;
        }
    }
    Ok(())
}

pub fn run(root: &Path) -> Result<(), String> {
    let (real_spec, _) = xtask::TARGETS[0];
    let real_path = root.join(real_spec);
    // Hand-written modules are read next to the spec.
    let read = codegen::files_in(real_path.parent().unwrap_or(root));
    let real = std::fs::read_to_string(&real_path).map_err(|e| format!("error: {e}"))?;
    // The committed crate's package name, for `cargo tree` below.
    let real_crate = codegen::parse(&real, real_spec)
        .map_err(|d| d.to_string())?
        .crate_name;
    let mut specs = vec![("real spec".to_owned(), real)];
    for n in [10, 100, 1000] {
        specs.push((format!("synthetic {n}"), codegen::synthetic::spec(n)));
    }

    println!("## Generated lines: all lines (code lines, without blanks and comments)\n");
    println!("| spec | ops | per-op code (resources) per op | models per op | all spec-dependent per op | fixed files | runtime (emitted once) |");
    println!("|---|---|---|---|---|---|---|");
    let mut generated = Vec::new();
    for (name, text) in &specs {
        let api = codegen::parse(text, "spec.yaml").map_err(|d| d.to_string())?;
        let ops: usize = api.resources.iter().map(|r| r.operations.len()).sum();
        let files = codegen::generate_with(text, "spec.yaml", &read).map_err(|d| d.to_string())?;
        let l = lines(&files, &api);
        let dependent = add(add(l.resources, l.models), l.fixed);
        println!(
            "| {name} | {} | {} | {} | {} | {} ({}) | {} ({}) |",
            l.operations,
            per_op(l.resources, ops),
            per_op(l.models, ops),
            per_op(dependent, ops),
            l.fixed.0,
            l.fixed.1,
            l.runtime.0,
            l.runtime.1
        );
        generated.push((name.clone(), files));
    }

    println!("\n## `cargo check`, dependencies prebuilt\n");
    println!(
        "Each run: `touch src/lib.rs` (and for both crates `core/src/lib.rs`), then one whole \
         `CARGO_INCREMENTAL=0 cargo check -q` process, timed by the wall clock; the crates take \
         turns, {RUNS} runs each, medians shown. A generated SDK is two crates: the core crate \
         (runtime, auth modes, errors) changes only with those; a new operation or type rebuilds \
         the SDK crate alone, as progenitor's output rebuilds without its prebuilt client crate.\n"
    );
    let dir = root.join("target/measure");
    let lock = std::fs::read(root.join("Cargo.lock"))
        .map_err(|e| format!("error: cannot read Cargo.lock: {e}"))?;
    let checker = Checker {
        cargo: std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()),
        target: root.join("target/measure-target"),
    };
    const SDK_CRATE: &[&str] = &["src/lib.rs"];
    const BOTH_CRATES: &[&str] = &["src/lib.rs", "core/src/lib.rs"];
    let mut crates = Vec::new();
    for (name, files) in generated
        .iter()
        .filter(|(n, _)| n == "real spec" || n == "synthetic 1000")
    {
        let crate_dir = dir.join(name.replace(' ', "-"));
        xtask::write_standalone_crate(files, &crate_dir, &lock)?;
        let lines = |of_core: bool| -> usize {
            files
                .iter()
                .filter(|(p, _)| p.ends_with(".rs") && (of_core || !p.starts_with("core/")))
                .map(|(_, text)| text.lines().count())
                .sum()
        };
        crates.push((name.clone(), crate_dir.clone(), lines(false), SDK_CRATE));
        if name == "real spec" {
            crates.push((BOTH.to_owned(), crate_dir, lines(true), BOTH_CRATES));
        }
    }
    match progenitor_baseline(root) {
        Some(baseline) => {
            let copy = dir.join("progenitor");
            copy_dir(&baseline, &copy)?;
            let text = std::fs::read_to_string(copy.join("src/lib.rs"))
                .map_err(|e| format!("error: {e}"))?;
            crates.push((PROGENITOR.to_owned(), copy, text.lines().count(), SDK_CRATE));
        }
        None => println!(
            "(progenitor's crate not found: set {BASELINE_ENV} to the `progenitor-baseline` folder to compare)\n"
        ),
    }
    // The real spec's crates and progenitor's take turns; the big synthetic crate is timed alone.
    let (paired, alone): (Vec<_>, Vec<_>) = crates
        .iter()
        .partition(|(name, ..)| name == "real spec" || name == BOTH || name == PROGENITOR);
    let mut rows = Vec::new();
    for group in [paired, alone] {
        let timed: Vec<(&Path, &[&str])> = group
            .iter()
            .map(|(_, dir, _, touched)| (dir.as_path(), *touched))
            .collect();
        let times = checker.interleaved(&timed)?;
        rows.extend(group.into_iter().zip(times));
    }
    println!("| crate | lines of Rust | `cargo check` (median) | runs |");
    println!("|---|---|---|---|");
    for ((name, _, lines, _), times) in &rows {
        let runs: Vec<String> = times.iter().map(|t| format!("{t:.2}")).collect();
        println!(
            "| {name} | {lines} | {:.2} s | {} |",
            median(times),
            runs.join(", ")
        );
    }
    let times = |wanted: &str| {
        rows.iter()
            .find(|((name, ..), _)| name == wanted)
            .map(|(_, times)| times)
    };
    for ours_name in ["real spec", BOTH] {
        if let (Some(ours), Some(theirs)) = (times(ours_name), times(PROGENITOR)) {
            // Runs taken back to back compare under the same load.
            let ratios: Vec<f64> = ours.iter().zip(theirs).map(|(a, b)| a / b).collect();
            println!(
                "\n- {ours_name} / progenitor: **{:.2}** (ratio of the medians; median of the per-run ratios {:.2})",
                median(ours) / median(theirs),
                median(&ratios)
            );
        }
    }

    println!("\n## Distinct crates in the dependency tree of {real_crate} (normal dependencies)\n");
    let tree = Command::new(&checker.cargo)
        .args([
            "tree",
            "-p",
            &real_crate,
            "-e",
            "normal",
            "--prefix",
            "none",
            "--no-dedupe",
        ])
        .current_dir(root)
        .output()
        .map_err(|e| format!("error: cannot run cargo tree: {e}"))?;
    let text = String::from_utf8_lossy(&tree.stdout);
    let mut names: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    names.sort_unstable();
    names.dedup();
    println!("- {} distinct crates ({real_crate} included)", names.len());
    Ok(())
}
