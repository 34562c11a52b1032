//! cargo-semver-checks, the independent judge of what a spec edit means for the users of the
//! generated crates: [`check`] compares a crate as generated before an edit with the crate as
//! generated after it, as a minor release.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// The crates judged, relative to a workspace root: the SDK crate of `spec/cognipeer.yaml` and
/// its core crate (the runtime, auth modes and errors).
pub const CRATES: &[&str] = &["generated-sdk", "generated-sdk/core"];

/// The lint a removed public field trips, which the breaking edit must be reported under.
pub const FIELD_REMOVED: &str = "struct_pub_field_missing";

/// What cargo-semver-checks found.
pub enum Verdict {
    /// The change is fine in a minor release.
    Minor,
    /// The change needs a major release; its report, as printed.
    Major(String),
}

/// Checks the crate in `current/<dir>` against the one in `baseline/<dir>` as a minor release,
/// with the crate's default features and `test-util` (users' tests build their rules on the test
/// doubles' API, so a spec edit must not break it either; the heuristic that turns on every
/// feature would build `native-tls`, which needs OpenSSL's headers). Prints how long it took.
pub fn check(baseline: &Path, current: &Path, dir: &str) -> Result<Verdict, String> {
    let manifest = current.join(dir).join("Cargo.toml");
    let package = package_name(&manifest)?;
    let started = Instant::now();
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .args(["semver-checks", "check-release", "--default-features"])
        .args(["--features", "test-util"])
        .args(["--release-type", "minor", "-p", &package])
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--baseline-root")
        .arg(baseline.join(dir))
        // Colours would make the report hard to read in CI's log.
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .map_err(|e| format!("error: cannot run cargo: {e}"))?;
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if report.contains("no such command") || report.contains("no such subcommand") {
        return Err(
            "error: cargo-semver-checks is not installed; install it with \
             `cargo install --locked cargo-semver-checks` (`.ci/run` does)"
                .to_owned(),
        );
    }
    println!(
        "    cargo semver-checks on {package} took {:.0?}",
        started.elapsed()
    );
    if output.status.success() {
        Ok(Verdict::Minor)
    } else if report.contains("semver requires new major version") {
        Ok(Verdict::Major(report))
    } else {
        Err(format!(
            "error: cargo semver-checks could not compare {package}:\n{report}"
        ))
    }
}

/// The `name` of the `[package]` in a manifest.
fn package_name(manifest: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(manifest)
        .map_err(|e| format!("error: cannot read {}: {e}", manifest.display()))?;
    text.lines()
        .skip_while(|line| line.trim() != "[package]")
        .take_while(|line| !line.trim_start().starts_with("[[") || line.trim() == "[package]")
        .find_map(|line| {
            let value = line.trim().strip_prefix("name")?.trim().strip_prefix('=')?;
            Some(value.trim().trim_matches('"').to_owned())
        })
        .ok_or_else(|| format!("error: {} names no package", manifest.display()))
}
