//! `cargo xtask codegen [--check] [--spec PATH] [--out DIR]`: regenerates the SDK crate from the spec.
//!
//! Thin on purpose: reads files, calls `codegen`, writes or compares, reports.

mod measure;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use xtask::{diff, display, workspace_root, Change};

const USAGE: &str = "\
usage: cargo xtask codegen [--check] [--spec PATH --out DIR]
       cargo xtask schema [--check]
       cargo xtask openapi [--check]
       cargo xtask check-fixtures
       cargo xtask measure
       cargo xtask evolve-check

codegen: without --spec/--out, regenerates every committed file: generated-sdk/ from
spec/cognipeer.yaml, the wire tests' crate tests/placements-sdk/ from
tests/fixtures/wire/placements.yaml, the spec format's JSON Schema spec/spec.schema.json and the
OpenAPI 3.1 document of the API spec/openapi.json.
schema: only the JSON Schema.
openapi: only the OpenAPI document.
check-fixtures: generates the crate of every spec in tests/fixtures/valid/ into
target/fixture-crates/ and runs `cargo check` on each, without and with `test-util` (warnings denied, one shared target dir).
measure: generated lines per operation, `cargo check` times and dependency count (BENCHMARKS.md).
evolve-check: copies the workspace into target/evolve-check/, extends its spec/cognipeer.yaml
(new endpoints of every hookId placement and auth combination, a new optional field on every
object type and query, a new value on every open enum), runs `cargo xtask codegen` there, then
its tests and clippy (warnings denied), building into this workspace's target directory.

  --check           write nothing; fail naming every file that differs from what the spec
                    generates, or when `api.version` is lower than the spec's changes require
  --bump            first write into the spec the version its changes require
  --baseline WHAT   measure the changes against a spec file or git revision (default HEAD)
  --spec PATH       the spec to read
  --out DIR         the crate directory to write

codegen prints every change of the committed specs since their baseline with its class (major:
breaks users' code or the wire; minor: adds; patch: docs), and keeps each crate's CHANGELOG.md.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

struct Options {
    check: bool,
    /// Write the version the spec's changes require into the spec first.
    bump: bool,
    /// What the spec's changes are measured against (`HEAD` unless `--baseline`).
    baseline: xtask::release::Baseline,
    /// Every committed target (no `--spec`/`--out`), the schema included.
    all: bool,
    targets: Vec<(PathBuf, PathBuf)>,
}

fn run(args: &[String]) -> Result<(), String> {
    // Asking for help is not an error, whichever task it follows.
    if args.first().is_some_and(|a| a == "help") || args.iter().any(|a| a == "-h" || a == "--help")
    {
        println!("{USAGE}");
        return Ok(());
    }
    let root = workspace_root();
    match args.first().map(String::as_str) {
        Some("schema") => match args.get(1).map(String::as_str) {
            None => schema(false, &root),
            Some("--check") => schema(true, &root),
            Some(other) => Err(format!("error: unknown option `{other}`\n\n{USAGE}")),
        },
        Some("openapi") => match args.get(1).map(String::as_str) {
            None => openapi(false, &root),
            Some("--check") => openapi(true, &root),
            Some(other) => Err(format!("error: unknown option `{other}`\n\n{USAGE}")),
        },
        Some("check-fixtures") => check_fixtures(&root),
        Some("measure") => measure::run(&root),
        Some("evolve-check") => xtask::evolve::check(&root),
        Some("codegen") => {
            let options = parse_options(&root, &args[1..])?;
            let mut failures = Vec::new();
            if options.all {
                if let Err(message) = schema(options.check, &root) {
                    failures.push(message);
                }
                if let Err(message) = openapi(options.check, &root) {
                    failures.push(message);
                }
            }
            for (spec, out) in &options.targets {
                // The committed crates are released: their changes, version and changelog.
                if options.all {
                    if let Err(message) = release(&options, spec, out, &root) {
                        failures.push(message);
                        continue;
                    }
                }
                if let Err(message) = codegen(options.check, spec, out, &root) {
                    failures.push(message);
                }
            }
            if failures.is_empty() {
                Ok(())
            } else {
                Err(failures.join("\n\n"))
            }
        }
        Some(other) => Err(format!("error: unknown task `{other}`\n\n{USAGE}")),
        None => Err(USAGE.to_owned()),
    }
}

fn parse_options(root: &Path, args: &[String]) -> Result<Options, String> {
    let (mut check, mut bump, mut spec, mut out, mut baseline) = (false, false, None, None, None);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .map(PathBuf::from)
                .ok_or_else(|| format!("error: `{flag}` needs a value\n\n{USAGE}"))
        };
        match arg.as_str() {
            "--check" => check = true,
            "--bump" => bump = true,
            "--baseline" => baseline = Some(value("--baseline")?),
            "--spec" => spec = Some(value("--spec")?),
            "--out" => out = Some(value("--out")?),
            other => return Err(format!("error: unknown option `{other}`\n\n{USAGE}")),
        }
    }
    let (all, targets) = match (spec, out) {
        (Some(spec), Some(out)) => (false, vec![(spec, out)]),
        (None, None) => (
            true,
            xtask::TARGETS
                .iter()
                .map(|(spec, out)| (root.join(spec), root.join(out)))
                .collect(),
        ),
        _ => {
            return Err(format!(
                "error: `--spec` and `--out` go together\n\n{USAGE}"
            ))
        }
    };
    if check && bump {
        return Err(format!(
            "error: `--check` writes nothing, so it cannot `--bump`\n\n{USAGE}"
        ));
    }
    let baseline = match baseline {
        Some(value) => xtask::release::Baseline::parse(&value.to_string_lossy(), root),
        None => xtask::release::Baseline::Rev("HEAD".to_owned()),
    };
    Ok(Options {
        check,
        bump,
        baseline,
        all,
        targets,
    })
}

/// Writes (or checks) the JSON Schema of the spec format.
fn schema(check: bool, root: &Path) -> Result<(), String> {
    ensure_file(check, root, xtask::SCHEMA, &xtask::schema_text())
}

/// Writes (or checks) the OpenAPI 3.1 document of `spec/cognipeer.yaml`.
fn openapi(check: bool, root: &Path) -> Result<(), String> {
    let spec_label = "spec/cognipeer.yaml";
    let spec = std::fs::read_to_string(root.join(spec_label))
        .map_err(|e| format!("error: cannot read {spec_label}: {e}"))?;
    let text =
        codegen::openapi(&spec, spec_label).map_err(|diagnostics| diagnostics.to_string())?;
    ensure_file(check, root, xtask::OPENAPI, &text)
}

/// Makes the committed file at `relative` hold `text`: writes it when it differs, or in check mode
/// fails naming it.
fn ensure_file(check: bool, root: &Path, relative: &str, text: &str) -> Result<(), String> {
    let path = root.join(relative);
    let current = std::fs::read_to_string(&path).ok();
    if current.as_deref() == Some(text) {
        return Ok(());
    }
    let state = if current.is_some() {
        "differs"
    } else {
        "missing"
    };
    if check {
        return Err(format!(
            "error: {relative} is stale\n  stale: {relative} ({state})\nrun `cargo xtask codegen` and commit the result"
        ));
    }
    std::fs::write(&path, text).map_err(|e| format!("error: cannot write {relative}: {e}"))?;
    println!(
        "{} {relative}",
        if current.is_some() {
            "updated"
        } else {
            "created"
        }
    );
    Ok(())
}

/// Generates every valid fixture spec's crate and compiles it, so that everything we snapshot is
/// known to build. Each crate is its own workspace (fixtures may share a package name), pinned to
/// the workspace's `Cargo.lock`, sharing one target directory so dependencies build once.
fn check_fixtures(root: &Path) -> Result<(), String> {
    let fixtures = root.join("tests/fixtures/valid");
    let crates = root.join("target/fixture-crates");
    let mut specs: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .map_err(|e| format!("error: cannot read {}: {e}", display(root, &fixtures)))?
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    specs.sort();
    let lock = std::fs::read(root.join("Cargo.lock"))
        .map_err(|e| format!("error: cannot read Cargo.lock: {e}"))?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut failed = Vec::new();
    for spec in &specs {
        let label = display(root, spec);
        let text = std::fs::read_to_string(spec)
            .map_err(|e| format!("error: cannot read {label}: {e}"))?;
        let files = generate(&text, &label, spec)?;
        let stem = spec
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dir = crates.join(&stem);
        xtask::write_standalone_crate(&files, &dir, &lock)?;
        // As users build it, then with the test doubles (only the fixture's crates rebuild).
        let check = |extra: &[&str]| {
            std::process::Command::new(&cargo)
                .args(["check", "--quiet", "--all-targets"])
                .args(extra)
                .arg("--manifest-path")
                .arg(dir.join("Cargo.toml"))
                .env("CARGO_TARGET_DIR", root.join("target/fixture-check"))
                .env("RUSTFLAGS", "-D warnings")
                .status()
                .map_err(|e| format!("error: cannot run cargo: {e}"))
        };
        let mut status = check(&[])?;
        if status.success() {
            status = check(&["--features", "test-util"])?;
        }
        println!(
            "{} {label}",
            if status.success() { "ok    " } else { "FAILED" }
        );
        if !status.success() {
            failed.push(label);
        }
    }
    if failed.is_empty() {
        println!("{} fixture crates compile", specs.len());
        Ok(())
    } else {
        Err(format!(
            "error: the crates of these fixtures do not compile:\n  {}",
            failed.join("\n  ")
        ))
    }
}

/// The spec's changes since its baseline, printed with their classes; with `--bump` the version
/// they require written into the spec; with `--check` a failure when `api.version` is lower than
/// they require; the crate's `CHANGELOG.md` written (or checked) with their entry.
fn release(options: &Options, spec_path: &Path, out: &Path, root: &Path) -> Result<(), String> {
    use xtask::release::{changelog, with_version, Report};
    let spec_label = display(root, spec_path);
    let text = std::fs::read_to_string(spec_path)
        .map_err(|e| format!("error: cannot read {spec_label}: {e}"))?;
    let api = codegen::parse(&text, &spec_label).map_err(|d| d.to_string())?;
    let old = options.baseline.read(root, &spec_label, true)?;
    let mut report = Report::new(options.baseline.label(root), old.as_deref(), &api)?;
    if options.bump {
        if let Some(lowest) = report.lowest_version().filter(|v| *v > report.new_version) {
            std::fs::write(spec_path, with_version(&text, lowest)?)
                .map_err(|e| format!("error: cannot write {spec_label}: {e}"))?;
            println!(
                "{spec_label}: api.version {} → {lowest}",
                report.new_version
            );
            report.new_version = lowest;
        }
    }
    print!("{}", report.text(&spec_label));
    let unmet = report.unmet();
    if options.check && !unmet.is_empty() {
        let lowest = report
            .lowest_version()
            .map(|v| v.to_string())
            .unwrap_or_default();
        let list: Vec<String> = unmet.iter().map(|c| format!("  {c}")).collect();
        return Err(format!(
            "error: `api.version` {} of {spec_label} is too low for its changes since {} (they need at least {lowest}):\n{}\n  = help: `cargo xtask codegen --bump` writes {lowest} into the spec",
            report.new_version,
            report.baseline,
            list.join("\n")
        ));
    }
    let relative = format!("{}/CHANGELOG.md", display(root, out));
    let old_changelog = match options.baseline.read(root, &relative, false)? {
        Some(text) => Some(text),
        // No baseline at all (no git history): the changelog stays as it is, if there is one.
        None if old.is_none() => std::fs::read_to_string(root.join(&relative)).ok(),
        None => None,
    };
    ensure_file(
        options.check,
        root,
        &relative,
        &changelog(old_changelog.as_deref(), &report),
    )
}

/// Generates the crate of the spec at `spec_path`, reading the modules it names next to it.
fn generate(text: &str, label: &str, spec_path: &Path) -> Result<codegen::Files, String> {
    let dir = spec_path.parent().unwrap_or(Path::new("."));
    codegen::generate_with(text, label, &codegen::files_in(dir)).map_err(|d| d.to_string())
}

fn codegen(check: bool, spec_path: &Path, out: &Path, root: &Path) -> Result<(), String> {
    let spec_label = display(root, spec_path);
    let out_label = display(root, out);
    let spec = std::fs::read_to_string(spec_path)
        .map_err(|e| format!("error: cannot read {spec_label}: {e}"))?;
    let files = generate(&spec, &spec_label, spec_path)?;
    let changes = diff(&files, out);

    if check {
        if changes.is_empty() {
            println!(
                "{out_label} is up to date with {spec_label} ({} files)",
                files.len()
            );
            return Ok(());
        }
        let list: Vec<String> = changes
            .iter()
            .map(|change| {
                let why = match change {
                    Change::Missing(_) => "missing",
                    Change::Differs(_) => "differs",
                    Change::Orphaned(_) => "no longer generated",
                };
                format!("  stale: {} ({why})", display(root, change.path()))
            })
            .collect();
        return Err(format!(
            "error: {out_label} does not match {spec_label}:\n{}\nrun `cargo xtask codegen` and commit the result",
            list.join("\n")
        ));
    }

    for change in &changes {
        let path = change.path();
        let label = display(root, path);
        let relative = path
            .strip_prefix(out)
            .ok()
            .map(|p| display(Path::new(""), p));
        match (change, relative.and_then(|r| files.get(&r))) {
            (Change::Orphaned(_), _) => {
                std::fs::remove_file(path)
                    .map_err(|e| format!("error: cannot remove {label}: {e}"))?;
                println!("removed {label}");
            }
            (_, Some(contents)) => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| format!("error: cannot create {}: {e}", display(root, dir)))?;
                }
                std::fs::write(path, contents)
                    .map_err(|e| format!("error: cannot write {label}: {e}"))?;
                let verb = if matches!(change, Change::Missing(_)) {
                    "created"
                } else {
                    "updated"
                };
                println!("{verb} {label}");
            }
            (_, None) => {
                return Err(format!(
                    "error: cannot map {label} back to a generated file"
                ))
            }
        }
    }
    let written = changes
        .iter()
        .filter(|c| !matches!(c, Change::Orphaned(_)))
        .count();
    println!(
        "{out_label}: {written} written, {} unchanged (from {spec_label})",
        files.len() - written
    );
    Ok(())
}
