//! What a regeneration means for the generated crate's users: the spec against its baseline
//! (the version at git `HEAD`, or `--baseline PATH|REV`), every change classed by
//! [`codegen::diff`], the version bump that requires, and the changelog entry it writes.

use codegen::diff::{self, Change, Class, Section, Version};
use std::path::Path;
use std::process::Command;

/// Where the spec's baseline comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Baseline {
    /// The spec as committed at a git revision (`HEAD` unless `--baseline REV`).
    Rev(String),
    /// A spec file.
    File(std::path::PathBuf),
}

impl Baseline {
    /// `--baseline VALUE`: a file when one exists at that path, else a git revision.
    pub fn parse(value: &str, root: &Path) -> Baseline {
        let path = root.join(value);
        if path.is_file() {
            Baseline::File(path)
        } else {
            Baseline::Rev(value.to_owned())
        }
    }

    /// The text of the file at `relative` (from the workspace root) in the baseline: `None`
    /// when the revision does not have it (a first commit: everything is new). A file given
    /// with `--baseline` stands for the spec only.
    pub fn read(
        &self,
        root: &Path,
        relative: &str,
        is_spec: bool,
    ) -> Result<Option<String>, String> {
        match self {
            Baseline::File(path) if is_spec => std::fs::read_to_string(path)
                .map(Some)
                .map_err(|e| format!("error: cannot read the baseline {}: {e}", path.display())),
            Baseline::File(_) => Ok(None),
            Baseline::Rev(rev) => git_show(root, rev, relative),
        }
    }

    /// How the baseline is named in messages: `HEAD`, `v0.2.0`, a path.
    pub fn label(&self, root: &Path) -> String {
        match self {
            Baseline::Rev(rev) => rev.clone(),
            Baseline::File(path) => crate::display(root, path),
        }
    }
}

/// `git show REV:PATH`; `None` when git runs but has no such file at that revision (or the
/// workspace is no git checkout at all): the baseline then has nothing.
fn git_show(root: &Path, rev: &str, relative: &str) -> Result<Option<String>, String> {
    let output = Command::new("git")
        .args(["show", &format!("{rev}:{relative}")])
        .current_dir(root)
        // Its messages are matched below: in English, whatever the user's locale.
        .env("LC_ALL", "C")
        .output();
    match output {
        Ok(out) if out.status.success() => String::from_utf8(out.stdout)
            .map(Some)
            .map_err(|_| format!("error: {relative} at {rev} is not UTF-8")),
        Ok(out) => {
            let message = String::from_utf8_lossy(&out.stderr);
            let missing = [
                "does not exist",
                "exists on disk, but not in",
                "not a git repository",
                "invalid object name",
                "bad revision",
                "unknown revision",
            ];
            if missing.iter().any(|m| message.contains(m)) && rev == "HEAD" {
                Ok(None)
            } else {
                Err(format!(
                    "error: cannot read {relative} at `{rev}`: {}\n  = help: give a git revision or a spec file with `--baseline`",
                    message.trim()
                ))
            }
        }
        Err(_) => Ok(None),
    }
}

/// The spec's changes since its baseline, and what they require of the version.
#[derive(Debug, Clone)]
pub struct Report {
    /// How the baseline is named: `HEAD`, a revision, a path.
    pub baseline: String,
    /// The baseline's version; `None` when there is no baseline (everything is new).
    pub old_version: Option<Version>,
    pub new_version: Version,
    pub changes: Vec<Change>,
}

impl Report {
    /// Compares `new` with the baseline's spec text (`None`: no baseline). A baseline that does
    /// not parse is an error that says so, with its diagnostics.
    pub fn new(
        baseline: String,
        old_text: Option<&str>,
        new: &codegen::ir::Api,
    ) -> Result<Report, String> {
        let new_version = Version::parse(&new.version).ok_or_else(|| {
            format!(
                "error: `api.version` `{}` is not a version like 1.2.3",
                new.version
            )
        })?;
        let Some(old_text) = old_text else {
            return Ok(Report {
                baseline,
                old_version: None,
                new_version,
                changes: Vec::new(),
            });
        };
        let old = codegen::parse(old_text, &format!("{baseline} (baseline)")).map_err(|d| {
            format!("error: the baseline spec ({baseline}) is not a valid spec, so the changes cannot be classed\n{d}\n  = help: compare with another one: `--baseline PATH|REV`")
        })?;
        let old_version = Version::parse(&old.version);
        Ok(Report {
            baseline,
            old_version,
            new_version,
            changes: diff::diff(&old, new),
        })
    }

    /// The mildest release the changes allow; `None` when nothing changed.
    pub fn required(&self) -> Option<Class> {
        diff::required(&self.changes)
    }

    /// The lowest version the changes allow: the baseline's, bumped as they require.
    pub fn lowest_version(&self) -> Option<Version> {
        Some(self.old_version?.bumped(self.required()?))
    }

    /// The changes that need more than the version's bump gives: none when it is enough.
    pub fn unmet(&self) -> Vec<&Change> {
        let (Some(old), Some(lowest)) = (self.old_version, self.lowest_version()) else {
            return Vec::new();
        };
        if self.new_version >= lowest {
            return Vec::new();
        }
        let given = (self.new_version > old).then(|| bump_class(old, self.new_version));
        self.changes
            .iter()
            .filter(|c| Some(c.class) > given)
            .collect()
    }

    /// The printed report: one line per change, then what it requires.
    pub fn text(&self, spec_label: &str) -> String {
        if self.old_version.is_none() {
            return format!(
                "{spec_label}: no baseline at {}, so every item is new (version {})\n",
                self.baseline, self.new_version
            );
        }
        if self.changes.is_empty() {
            return format!(
                "{spec_label}: no changes to the generated API or the wire since {}\n",
                self.baseline
            );
        }
        let mut out = format!(
            "{spec_label}: changes since {} for the crate's users\n",
            self.baseline
        );
        let mut sorted: Vec<&Change> = self.changes.iter().collect();
        sorted.sort_by_key(|c| std::cmp::Reverse(c.class));
        for change in sorted {
            out.push_str(&format!("  {change}\n"));
        }
        if let (Some(class), Some(old), Some(lowest)) =
            (self.required(), self.old_version, self.lowest_version())
        {
            let verdict = if self.new_version >= lowest {
                "ok"
            } else {
                "too low: run `cargo xtask codegen --bump`"
            };
            out.push_str(&format!(
                "  = a {class} release: {old} → at least {lowest}; `api.version` is {} ({verdict})\n",
                self.new_version
            ));
        }
        out
    }
}

/// The class of release that going from `old` to `new` makes, as Cargo reads versions.
fn bump_class(old: Version, new: Version) -> Class {
    if new >= old.bumped(Class::Major) {
        Class::Major
    } else if new >= old.bumped(Class::Minor) {
        Class::Minor
    } else {
        Class::Patch
    }
}

/// The spec text with `api.version` set to `version`: the first `version:` line indented under
/// `api:`, rewritten in place so that comments and layout stay.
pub fn with_version(spec: &str, version: Version) -> Result<String, String> {
    let mut in_api = false;
    let mut done = false;
    let mut out = String::with_capacity(spec.len());
    for line in spec.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if !line.starts_with([' ', '\t', '#']) && !line.trim().is_empty() {
            in_api = line.starts_with("api:");
        }
        if in_api && !done && trimmed.starts_with("version:") {
            let indent = &line[..line.len() - trimmed.len()];
            let end = if line.ends_with('\n') { "\n" } else { "" };
            out.push_str(&format!("{indent}version: {version}{end}"));
            done = true;
        } else {
            out.push_str(line);
        }
    }
    if done {
        Ok(out)
    } else {
        Err("error: the spec has no `version:` line under `api:` to bump".to_owned())
    }
}

/// The changelog's first lines, before any entry.
const CHANGELOG_HEAD: &str = "# Changelog\n\n\
All notable changes to this crate, written by `cargo xtask codegen` from the changes of its spec \
(edit the spec, not this file). The format follows [Keep a Changelog](https://keepachangelog.com/en/1.1.0/); \
versions follow [Semantic Versioning](https://semver.org/) as Cargo reads it.\n";

/// The changelog: the baseline's, with an entry for this report's changes on top (none when
/// nothing changed; an `Unreleased` one replaced, so that regenerating twice gives the same
/// file); without a baseline spec, a first entry unless there is a changelog already.
pub fn changelog(baseline: Option<&str>, report: &Report) -> String {
    let old = baseline.unwrap_or(CHANGELOG_HEAD);
    let (head, mut entries) = match old.find("\n## ") {
        Some(at) => old.split_at(at + 1),
        None => (old, ""),
    };
    // An unreleased entry is rewritten from the changes, not kept beside them.
    if entries.starts_with("## [Unreleased]") {
        entries = entries.find("\n## ").map_or("", |at| &entries[at + 1..]);
    }
    let mut out = head.trim_end().to_owned();
    out.push_str("\n\n");
    let entry = match (report.old_version, report.changes.is_empty()) {
        (None, _) if baseline.is_some() => None,
        (None, _) => Some(format!(
            "## [{}]\n\nThe first version.\n",
            report.new_version
        )),
        (Some(_), true) => None,
        (Some(old), false) => Some(entry(report, old)),
    };
    if let Some(entry) = entry {
        out.push_str(&entry);
        out.push('\n');
    }
    out.push_str(entries);
    format!("{}\n", out.trim_end())
}

/// One version's entry: its changes by section, breaking ones marked.
fn entry(report: &Report, old: Version) -> String {
    let title = if report.new_version == old {
        "Unreleased".to_owned()
    } else {
        report.new_version.to_string()
    };
    let mut out = format!("## [{title}]\n");
    for section in [
        Section::Added,
        Section::Changed,
        Section::Deprecated,
        Section::Removed,
    ] {
        let lines: Vec<String> = report
            .changes
            .iter()
            .filter(|c| c.section == section)
            .map(|c| {
                let mark = if c.class == Class::Major {
                    "**Breaking:** "
                } else {
                    ""
                };
                format!("- {mark}{}: {}", c.subject, c.reason)
            })
            .collect();
        if !lines.is_empty() {
            out.push_str(&format!(
                "\n### {}\n\n{}\n",
                section.as_str(),
                lines.join("\n")
            ));
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn change(class: Class, section: Section, subject: &str) -> Change {
        Change {
            class,
            section,
            subject: subject.to_owned(),
            reason: "why".to_owned(),
        }
    }

    fn report(old: &str, new: &str, changes: Vec<Change>) -> Report {
        Report {
            baseline: "HEAD".to_owned(),
            old_version: Version::parse(old),
            new_version: Version::parse(new).unwrap(),
            changes,
        }
    }

    #[test]
    fn a_version_too_low_for_the_changes_names_the_ones_it_does_not_cover() {
        let changes = vec![
            change(Class::Major, Section::Removed, "field Contact.email"),
            change(Class::Minor, Section::Added, "operation contacts.find"),
            change(Class::Patch, Section::Changed, "type Contact"),
        ];
        let unmet = |new: &str| -> Vec<String> {
            report("0.2.0", new, changes.clone())
                .unmet()
                .iter()
                .map(|c| c.subject.clone())
                .collect()
        };
        assert_eq!(unmet("0.2.0").len(), 3, "no bump covers nothing");
        assert_eq!(
            unmet("0.2.1"),
            ["field Contact.email"],
            "a patch bump covers additions under 1.0"
        );
        assert!(unmet("0.3.0").is_empty());
        assert!(unmet("1.0.0").is_empty());
        assert_eq!(
            report("0.2.0", "0.2.0", changes.clone()).lowest_version(),
            Version::parse("0.3.0")
        );
        assert!(report("0.2.0", "0.2.0", Vec::new()).unmet().is_empty());
        let no_baseline = report("", "0.1.0", changes);
        assert!(no_baseline.unmet().is_empty() && no_baseline.lowest_version().is_none());
    }

    #[test]
    fn bump_rewrites_only_the_api_version_line() {
        let spec = "# v\nspec_version: 1\napi:\n  name: A\n  version: 0.1.0 # keep?\nauth:\n  version: 9\n";
        let bumped = with_version(spec, Version::parse("0.2.0").unwrap()).unwrap();
        assert_eq!(
            bumped,
            "# v\nspec_version: 1\napi:\n  name: A\n  version: 0.2.0\nauth:\n  version: 9\n"
        );
        assert!(with_version("api:\n  name: A\n", Version::parse("1.0.0").unwrap()).is_err());
    }

    #[test]
    fn the_changelog_gains_one_entry_per_version_breaking_changes_marked() {
        let first = changelog(None, &report("", "0.1.0", Vec::new()));
        assert_eq!(
            changelog(Some(&first), &report("", "0.2.0", Vec::new())),
            first,
            "without a baseline spec an existing changelog stays"
        );
        assert!(
            first.starts_with("# Changelog\n\n")
                && first.contains("## [0.1.0]\n\nThe first version.\n"),
            "{first}"
        );
        let changes = vec![
            change(Class::Minor, Section::Added, "operation contacts.find"),
            change(Class::Major, Section::Removed, "field Contact.email"),
            change(Class::Minor, Section::Deprecated, "operation contacts.get"),
        ];
        let second = changelog(Some(&first), &report("0.1.0", "0.2.0", changes.clone()));
        let expected_entry = "## [0.2.0]\n\n### Added\n\n- operation contacts.find: why\n\n### Deprecated\n\n- operation contacts.get: why\n\n### Removed\n\n- **Breaking:** field Contact.email: why\n\n## [0.1.0]";
        assert!(second.contains(expected_entry), "{second}");
        // Nothing changed: the file stays as it is; an unreleased entry is rewritten, not kept twice.
        assert_eq!(
            changelog(Some(&second), &report("0.2.0", "0.2.0", Vec::new())),
            second
        );
        let unreleased = changelog(Some(&second), &report("0.2.0", "0.2.0", changes.clone()));
        assert!(unreleased.contains("## [Unreleased]"), "{unreleased}");
        let again = changelog(Some(&unreleased), &report("0.2.0", "0.2.0", changes));
        assert_eq!(again.matches("## [Unreleased]").count(), 1, "{again}");
    }

    #[test]
    fn an_unreadable_baseline_is_an_error_that_says_what_to_do() {
        let api = codegen::parse(
            &std::fs::read_to_string(
                crate::workspace_root().join("tests/fixtures/wire/placements.yaml"),
            )
            .unwrap(),
            "placements.yaml",
        )
        .unwrap();
        let error =
            Report::new("HEAD".to_owned(), Some("spec_version: 1\napi: [oops"), &api).unwrap_err();
        assert!(
            error.contains("the baseline spec (HEAD) is not a valid spec"),
            "{error}"
        );
        assert!(error.contains("--baseline PATH|REV"), "{error}");
        let none = Report::new("HEAD".to_owned(), None, &api).unwrap();
        assert!(none.changes.is_empty() && none.old_version.is_none());
        assert!(none.text("placements.yaml").contains("every item is new"));
    }

    #[test]
    fn a_file_git_does_not_have_means_no_baseline() {
        let root = crate::workspace_root();
        let head = Baseline::Rev("HEAD".to_owned());
        assert_eq!(
            head.read(&root, "spec/not-committed-anywhere.yaml", true)
                .unwrap(),
            None
        );
        assert!(head
            .read(&root, "spec/cognipeer.yaml", true)
            .unwrap()
            .is_some());
        let unknown = Baseline::Rev("no-such-revision-anywhere".to_owned());
        let error = unknown
            .read(&root, "spec/cognipeer.yaml", true)
            .unwrap_err();
        assert!(error.contains("--baseline"), "{error}");
    }
}
