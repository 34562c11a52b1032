//! `cargo xtask measure`: generated size and compile figures for BENCHMARKS.md.
//!
//! Lines per operation (per-operation code, models, the fixed spec-dependent files and the
//! spec-independent runtime reported apart), `cargo check` time of generated crates with their
//! dependencies prebuilt, and the number of distinct crates the generated crate depends on.

use std::path::Path;
use std::process::Command;
use std::time::Instant;
use xtask::display;

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

    println!("\n## `cargo check` of the generated crate, dependencies prebuilt\n");
    let dir = root.join("target/measure");
    let target = root.join("target/measure-target");
    let lock = std::fs::read(root.join("Cargo.lock"))
        .map_err(|e| format!("error: cannot read Cargo.lock: {e}"))?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    for (name, files) in generated
        .iter()
        .filter(|(n, _)| n == "real spec" || n == "synthetic 1000")
    {
        let crate_dir = dir.join(name.replace(' ', "-"));
        xtask::write_standalone_crate(files, &crate_dir, &lock)?;
        let check = || {
            Command::new(&cargo)
                .args(["check", "--quiet", "--manifest-path"])
                .arg(crate_dir.join("Cargo.toml"))
                .env("CARGO_TARGET_DIR", &target)
                .status()
                .map_err(|e| format!("error: cannot run cargo: {e}"))
        };
        check()?; // builds the dependencies
        let mut times = Vec::new();
        for _ in 0..3 {
            let lib = crate_dir.join("src/lib.rs");
            let text = std::fs::read_to_string(&lib).map_err(|e| format!("error: {e}"))?;
            std::fs::write(&lib, format!("{text}\n")).map_err(|e| format!("error: {e}"))?;
            let started = Instant::now();
            if !check()?.success() {
                return Err(format!(
                    "error: {} does not compile",
                    display(root, &crate_dir)
                ));
            }
            times.push(started.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        println!(
            "- {name}: median {:.2} s (runs: {:?})",
            times[1],
            times.iter().map(|t| format!("{t:.2}")).collect::<Vec<_>>()
        );
    }

    println!("\n## Distinct crates in the dependency tree of {real_crate} (normal dependencies)\n");
    let tree = Command::new(&cargo)
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
