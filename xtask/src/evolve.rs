//! The spec evolution check (`cargo xtask evolve-check`): a valid edit of the spec followed by
//! `cargo xtask codegen` keeps the whole suite green.
//!
//! [`extend`] makes the edits users make, mechanically: new endpoints of every hookId placement
//! and auth combination, a new optional field on every object type and query, a new value on
//! every open enum. [`check`] applies them to a copy of the workspace, regenerates it and runs
//! its tests and clippy there. A value added to a *closed* enum is left out on purpose: it breaks
//! exhaustive `match`es by design (that is what closed means).

use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use yaml_serde::{Mapping, Value};

/// Where the copy of the workspace is made (kept after a run, to look into when it fails),
/// relative to the target directory.
pub const COPY: &str = "evolve-check";

/// The spec `text` extended as users extend it, as YAML (comments dropped):
/// - one resource per hookId placement, each with one operation per auth combination (the
///   default, each mode alone, every mode), in the shapes users add: path and query parameters
///   with defaults and preconditions, envelopes with and without a `data` field, body and query
///   pagination, free-form and typed bodies, a deprecation;
/// - a new optional field on every object type and on every operation's query;
/// - a new value on every open enum;
/// - a new error class (status 418, after the others).
///
/// Its names start with `evolution` (`evolution2`, … when the spec already holds an earlier
/// extension), so that an extended spec can be extended again.
pub fn extend(text: &str) -> Result<String, String> {
    let mut spec: Value =
        yaml_serde::from_str(text).map_err(|e| format!("error: the spec is not YAML: {e}"))?;
    let lower = text.to_lowercase();
    let tag = (1..)
        .map(|n| match n {
            1 => "evolution".to_owned(),
            n => format!("evolution{n}"),
        })
        .find(|tag| !lower.contains(tag.as_str()))
        .unwrap_or_default();
    let new_field = json!({ "type": "string?", "description": "Added by the evolution check." });
    let field_name = format!("{tag}Note");

    let add = |map: Option<&mut Mapping>, name: &str, value: &serde_json::Value| {
        if let Some(map) = map {
            map.insert(Value::String(name.to_owned()), yaml(value));
        }
    };
    for (_, ty) in entries(&mut spec, "types").into_iter().flatten() {
        if ty.get("values").is_none() {
            add(entries(ty, "fields"), &field_name, &new_field);
        } else if ty.get("open").and_then(Value::as_bool) == Some(true) {
            let value = json!("Added by the evolution check.");
            add(entries(ty, "values"), &format!("{tag}_value"), &value);
        }
    }
    for (_, resource) in entries(&mut spec, "resources").into_iter().flatten() {
        for (_, op) in entries(resource, "operations").into_iter().flatten() {
            if op.get("query").is_some() {
                add(entries(op, "query"), &field_name, &new_field);
            }
        }
    }

    let modes: Vec<String> = spec
        .get("auth")
        .and_then(|auth| auth.get("modes"))
        .and_then(Value::as_mapping)
        .map(|modes| {
            modes
                .keys()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let mut auths: Vec<(String, Option<Vec<String>>)> = vec![("default_auth".to_owned(), None)];
    auths.extend(
        modes
            .iter()
            .map(|mode| (format!("only_{mode}"), Some(vec![mode.clone()]))),
    );
    auths.push(("every_mode".to_owned(), Some(modes.clone())));

    // Type names: `Evolution…`.
    let ty = |name: &str| format!("E{}{name}", &tag[1..]);
    let shape = |placement: &str, n: usize| match placement {
        "header" => json!({
            "description": "Delete one thing selected by either selector.",
            "method": "DELETE",
            "path": format!("/{tag}/header/{{thingId}}/{n}"),
            "path_params": { "thingId": { "description": "The thing." } },
            "query": {
                "selector": "string?",
                "other": { "type": "string?", "description": "The other selector." },
            },
            "requires": { "any_of": ["selector", "other"] },
            "response": "map<json>",
            "envelope": format!("{tag}_result"),
        }),
        "body" => json!({
            "description": "List things page by page, the hookId in the body.",
            "method": "POST",
            "path": format!("/{tag}/body/{n}"),
            "body": ty("Request"),
            "response": ty("Page"),
            "envelope": format!("{tag}_page"),
            "paginate": { "page": "page", "limit": "limit", "items": "data", "total": "total" },
        }),
        "query" => json!({
            "description": "Search things, the hookId in the query.",
            "method": "GET",
            "path": format!("/{tag}/query/{n}"),
            "query": {
                "page": "integer?",
                "limit": { "type": "integer?", "default": 20, "description": "Page size." },
                "flag": { "type": "boolean?", "default": true, "description": "A flag." },
                "ratio": { "type": "number?", "default": 0.5, "description": "A ratio." },
                "kind": { "type": ty("Kind?"), "default": "second", "description": "A kind." },
            },
            "response": ty("Page"),
            "paginate": { "page": "page", "limit": "limit", "items": "data", "total": "total" },
        }),
        _ => json!({
            "description": "Replace one thing with a free-form body.",
            "method": "PUT",
            "path": format!("/{tag}/none/{{thingId}}/{n}"),
            "path_params": { "thingId": { "description": "The thing." } },
            "body": "map<json>",
            "response": "json",
            "deprecated": "Use another operation.",
        }),
    };
    let mut added = Vec::new();
    for placement in ["header", "body", "query", "none"] {
        let operations: serde_json::Map<String, serde_json::Value> = auths
            .iter()
            .enumerate()
            .map(|(n, (name, auth))| {
                let mut op = shape(placement, n);
                op["hook"] = json!(placement);
                if let Some(auth) = auth {
                    op["auth"] = json!(auth);
                }
                (name.clone(), op)
            })
            .collect();
        let description = format!("Things whose hookId placement is `{placement}`.");
        let resource = json!({ "description": description, "operations": operations });
        added.push(("resources", format!("{tag}_{placement}"), resource));
    }
    for (name, ty) in [
        (
            ty("Kind"),
            json!({ "description": "A kind.", "values": { "first": "First.", "second": null } }),
        ),
        (
            ty("Request"),
            json!({ "description": "Which page of things.", "fields": {
                "page": { "type": "integer?", "default": 1, "description": "Page number." },
                "limit": { "type": "integer?", "default": 10, "description": "Page size." },
                "filter": { "type": "map<json>?", "default": {}, "description": "A filter." },
                "kind": { "type": ty("Kind?"), "default": "first", "description": "A kind." },
                "note": "string?",
            } }),
        ),
        (
            ty("Page"),
            json!({ "description": "One page of things.", "extra": true, "fields": {
                "data": "list<json>",
                "total": "integer",
            } }),
        ),
    ] {
        added.push(("types", name, ty));
    }
    let mut error_class = tag.clone();
    error_class[..1].make_ascii_uppercase();
    added.push((
        "errors",
        format!("{error_class}Teapot"),
        json!({ "status": 418, "summary": "the server is a teapot", "hints": ["brew coffee elsewhere"] }),
    ));
    for (name, envelope) in [
        (
            format!("{tag}_result"),
            json!({ "success": "ok", "error": "message", "data": "result" }),
        ),
        (format!("{tag}_page"), json!({ "success": "ok" })),
    ] {
        added.push(("envelopes", name, envelope));
    }
    for (section, name, value) in &added {
        add(entries(&mut spec, section), name, value);
    }
    yaml_serde::to_string(&spec).map_err(|e| format!("error: cannot write the spec: {e}"))
}

/// The mapping under `key` of the mapping `value`, created when missing; `None` when either is
/// something else, which a valid spec never has.
fn entries<'a>(value: &'a mut Value, key: &str) -> Option<&'a mut Mapping> {
    let entry = value
        .as_mapping_mut()?
        .entry(Value::String(key.to_owned()))
        .or_insert(Value::Null);
    if entry.is_null() {
        *entry = Value::Mapping(Mapping::new());
    }
    entry.as_mapping_mut()
}

/// A JSON value as YAML.
fn yaml(value: &serde_json::Value) -> Value {
    yaml_serde::to_value(value).unwrap_or(Value::Null)
}

/// What [`check`] runs in the extended copy, in order: regenerate, then the suite.
const STEPS: &[(&str, &[&str])] = &[
    ("regenerate", &["xtask", "codegen"]),
    // The compile-fail test is left to the original workspace: trybuild cannot shorten the paths
    // of a workspace that lies inside the target directory, so its pinned messages would not match.
    (
        "test",
        &[
            "test",
            "--workspace",
            "--locked",
            "--no-fail-fast",
            "--",
            "--skip",
            "misuse_does_not_compile_and_says_what_to_do",
        ],
    ),
    (
        "clippy",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
    ),
];

/// Copies the workspace at `root` (the files git knows of: tracked, or untracked and not
/// ignored, as they are on disk) into `<target dir>/evolve-check`, extends the copy's spec with
/// [`extend`], runs `cargo xtask codegen` there, then its tests and clippy (warnings denied). The
/// copy builds into the workspace's own target directory, so that dependencies are not built
/// again (its own packages build apart, with a profile of their own). Prints how long each step
/// took.
pub fn check(root: &Path) -> Result<(), String> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), |dir| root.join(dir));
    let copy = target.join(COPY);
    let started = Instant::now();
    copy_workspace(root, &copy)?;
    separate_members(&copy)?;
    for (spec, _) in crate::TARGETS {
        let path = copy.join(spec);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("error: cannot read {spec}: {e}"))?;
        std::fs::write(&path, extend(&text)?)
            .map_err(|e| format!("error: cannot write {spec}: {e}"))?;
    }
    println!(
        "copied the workspace to {} and extended its specs ({:.1?})",
        copy.display(),
        started.elapsed()
    );
    for (step, args) in STEPS {
        let line = format!("cargo {}", args.join(" "));
        println!("==> {step}: {line}");
        let started = Instant::now();
        let mut command = cargo(&copy);
        command.args(*args).env("CARGO_TARGET_DIR", &target);
        // The copy's crates are built afresh each run: their incremental caches (over half a
        // gigabyte) would only fill the disk.
        if std::env::var_os("CARGO_INCREMENTAL").is_none() {
            command.env("CARGO_INCREMENTAL", "0");
        }
        let status = command
            .status()
            .map_err(|e| format!("error: cannot run cargo: {e}"))?;
        println!("    {step} took {:.0?}", started.elapsed());
        if !status.success() {
            return Err(format!(
                "error: `{line}` failed on the extended specs\n  the copy is kept in {}; \
                 its specs show the edit. Make the code that failed independent of what the \
                 edit adds (models built with `new` and `with_…`, a `_` arm in `match`es on \
                 open enums, `..` in patterns of models)",
                copy.display()
            ));
        }
        if *step == "regenerate" {
            judge(root, &copy)?;
        }
    }
    println!(
        "the extended specs keep the suite green ({:.0?} in all)",
        started.elapsed()
    );
    Ok(())
}

/// cargo-semver-checks on the generated crates before and after the edits: every edit
/// [`extend`] makes must be a minor change for their users, and the generator's own class of the
/// edits ([`codegen::diff`]) must be no milder. Then the other way round, from the extended crates
/// back to the committed ones, which removes fields of response models among others: that must
/// be reported as major, or the judge could not fail.
fn judge(root: &Path, copy: &Path) -> Result<(), String> {
    use crate::semver::{check, Verdict, CRATES, FIELD_REMOVED};
    println!("==> semver: cargo semver-checks, committed crates → extended crates");
    for dir in CRATES {
        if let Verdict::Major(report) = check(root, copy, dir)? {
            return Err(format!(
                "error: the spec edits of the evolution check are a major change for users of \
                 {dir} (cargo semver-checks):\n{report}\n  the copy is kept in {}; a generated \
                 item that a spec addition changes incompatibly is the usual cause",
                copy.display()
            ));
        }
        println!("    {dir}: minor");
    }
    let ours = our_class(root, copy)?;
    println!(
        "    the generator's own class of these edits: {}",
        ours.map_or("none", |c| c.as_str())
    );
    if ours.is_none() {
        return Err("error: the generator found no change in the extended spec".to_owned());
    }
    println!("==> semver: the judge can fail: extended crates → committed crates (items removed)");
    match check(copy, root, CRATES[0])? {
        Verdict::Major(report) if report.contains(FIELD_REMOVED) => {
            println!(
                "    {}: major, as it must be ({FIELD_REMOVED} among the findings)",
                CRATES[0]
            );
        }
        Verdict::Major(report) => {
            return Err(format!(
                "error: removing fields was reported as major, but not under `{FIELD_REMOVED}`:\n{report}"
            ))
        }
        Verdict::Minor => {
            return Err(format!(
                "error: cargo semver-checks judged removing fields, operations and resources from \
                 {} a minor change; the check cannot tell a breaking edit",
                CRATES[0]
            ))
        }
    }
    cross_check(root, copy)
}

/// The generator's class of the changes from the committed spec to the copy's.
fn our_class(root: &Path, copy: &Path) -> Result<Option<codegen::diff::Class>, String> {
    let spec = crate::TARGETS[0].0;
    let read = |dir: &Path| {
        let text = std::fs::read_to_string(dir.join(spec))
            .map_err(|e| format!("error: cannot read {spec}: {e}"))?;
        codegen::parse(&text, spec).map_err(|d| d.to_string())
    };
    Ok(codegen::diff::required(&codegen::diff::diff(
        &read(root)?,
        &read(copy)?,
    )))
}

/// Breaking edits, one at a time on the committed spec in the copy: each regenerated, judged by
/// cargo-semver-checks against the committed crate, and classed by the generator, whose class
/// must be no milder. Prints the edits the generator calls major where cargo-semver-checks sees
/// nothing major (wire-only changes, changed types it cannot see). The copy holds the extended
/// spec and its crates again afterwards.
fn cross_check(root: &Path, copy: &Path) -> Result<(), String> {
    use crate::semver::{check, Verdict, CRATES};
    use codegen::diff::Class;
    let (spec, out) = crate::TARGETS[0];
    let original = std::fs::read_to_string(root.join(spec))
        .map_err(|e| format!("error: cannot read {spec}: {e}"))?;
    let extended = std::fs::read_to_string(copy.join(spec))
        .map_err(|e| format!("error: cannot read the copy's {spec}: {e}"))?;
    println!("==> semver: breaking edits, the generator's class against cargo-semver-checks'");
    let mut only_ours = Vec::new();
    for (name, edited) in breaking_edits(&original)? {
        std::fs::write(copy.join(spec), &edited)
            .map_err(|e| format!("error: cannot write the copy's {spec}: {e}"))?;
        let status = cargo(copy)
            .args(["xtask", "codegen", "--spec", spec, "--out", out])
            .stdout(std::process::Stdio::null())
            .status()
            .map_err(|e| format!("error: cannot run cargo: {e}"))?;
        if !status.success() {
            return Err(format!("error: the edit `{name}` made {spec} invalid"));
        }
        let theirs = match check(root, copy, CRATES[0])? {
            Verdict::Major(_) => Class::Major,
            Verdict::Minor => Class::Minor,
        };
        let ours = our_class(root, copy)?.unwrap_or(Class::Patch);
        println!("    {name}: ours {ours}, cargo-semver-checks {theirs}");
        if ours < theirs {
            return Err(format!(
                "error: the generator classes `{name}` as {ours}, milder than cargo-semver-checks' {theirs}"
            ));
        }
        if ours == Class::Major && theirs != Class::Major {
            only_ours.push(name);
        }
    }
    // Back to the extended spec and its crates, for the tests that follow.
    std::fs::write(copy.join(spec), &extended)
        .map_err(|e| format!("error: cannot write the copy's {spec}: {e}"))?;
    let status = cargo(copy)
        .args(["xtask", "codegen"])
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("error: cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("error: the copy does not regenerate from its extended spec".to_owned());
    }
    println!(
        "    major for the generator only (the wire, or types cargo-semver-checks does not compare): {}",
        if only_ours.is_empty() { "none".to_owned() } else { only_ours.join(", ") }
    );
    Ok(())
}

/// Edits that break users, each of the spec `text` alone, found in the spec's own structure: a
/// field removed from a response model, a required field added to a request body, a value
/// added to a closed enum, a field's type changed, an operation removed, a hookId placement
/// changed, an operation's path changed. An edit the spec has nothing for is left out.
pub fn breaking_edits(text: &str) -> Result<Vec<(&'static str, String)>, String> {
    let spec: Value =
        yaml_serde::from_str(text).map_err(|e| format!("error: the spec is not YAML: {e}"))?;
    let mut edits = Vec::new();
    let mut edit =
        |name: &'static str, change: &dyn Fn(&mut Value) -> bool| -> Result<(), String> {
            let mut copy = spec.clone();
            if change(&mut copy) {
                let text = yaml_serde::to_string(&copy)
                    .map_err(|e| format!("error: cannot write the spec: {e}"))?;
                edits.push((name, text));
            }
            Ok(())
        };
    let ops = |spec: &Value| -> Vec<(String, String)> {
        let mut found = Vec::new();
        for (r, resource) in spec
            .get("resources")
            .and_then(Value::as_mapping)
            .into_iter()
            .flatten()
        {
            for (o, _) in resource
                .get("operations")
                .and_then(Value::as_mapping)
                .into_iter()
                .flatten()
            {
                found.extend(
                    r.as_str()
                        .zip(o.as_str())
                        .map(|(r, o)| (r.to_owned(), o.to_owned())),
                );
            }
        }
        found
    };
    let responses: Vec<String> = ops(&spec)
        .iter()
        .filter_map(|(r, o)| {
            spec["resources"][r.as_str()]["operations"][o.as_str()]["response"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    let bodies: Vec<String> = ops(&spec)
        .iter()
        .filter_map(|(r, o)| {
            spec["resources"][r.as_str()]["operations"][o.as_str()]["body"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    edit("a response model's optional field removed", &|s| {
        first_field(s, &responses, is_optional).is_some_and(|(t, f)| {
            entries(&mut s["types"][t.as_str()], "fields")
                .is_some_and(|m| m.remove(f.as_str()).is_some())
        })
    })?;
    edit("a required field added to a request body", &|s| {
        bodies
            .iter()
            .find(|b| s["types"][b.as_str()].get("fields").is_some())
            .is_some_and(|b| {
                entries(&mut s["types"][b.as_str()], "fields").is_some_and(|m| {
                    m.insert(
                        Value::String("evolutionRequired".to_owned()),
                        Value::String("string".to_owned()),
                    );
                    true
                })
            })
    })?;
    edit("a value added to a closed enum", &|s| {
        let closed = s
            .get("types")
            .and_then(Value::as_mapping)
            .and_then(|types| {
                types
                    .iter()
                    .find(|(_, t)| {
                        t.get("values").is_some()
                            && t.get("open").and_then(Value::as_bool) != Some(true)
                    })
                    .and_then(|(n, _)| n.as_str().map(str::to_owned))
            });
        closed.is_some_and(|n| {
            entries(&mut s["types"][n.as_str()], "values").is_some_and(|m| {
                m.insert(Value::String("evolution_value".to_owned()), Value::Null);
                true
            })
        })
    })?;
    edit(
        "a response model's field changed from text to a number",
        &|s| {
            first_field(s, &responses, |f| {
                type_of(f).is_some_and(|t| t.trim_end_matches('?') == "string")
            })
            .is_some_and(|(t, f)| {
                let field = &mut s["types"][t.as_str()]["fields"][f.as_str()];
                let optional = type_of(field).is_some_and(|t| t.ends_with('?'));
                let ty = Value::String(if optional { "integer?" } else { "integer" }.to_owned());
                match field {
                    Value::Mapping(m) => {
                        m.insert(Value::String("type".to_owned()), ty);
                    }
                    other => *other = ty,
                }
                true
            })
        },
    )?;
    let all = ops(&spec);
    edit("an operation removed", &|s| {
        all.last().is_some_and(|(r, o)| {
            entries(&mut s["resources"][r.as_str()], "operations")
                .is_some_and(|m| m.len() > 1 && m.remove(o.as_str()).is_some())
        })
    })?;
    edit("an operation's hookId placement changed", &|s| {
        all.first().is_some_and(|(r, o)| {
            let op = &mut s["resources"][r.as_str()]["operations"][o.as_str()];
            let now = op.get("hook").and_then(Value::as_str).map(str::to_owned);
            let other = if now.as_deref() == Some("none") {
                "header"
            } else {
                "none"
            };
            op.as_mapping_mut().is_some_and(|m| {
                m.insert(
                    Value::String("hook".to_owned()),
                    Value::String(other.to_owned()),
                );
                true
            })
        })
    })?;
    edit("an operation's path changed", &|s| {
        all.first().is_some_and(|(r, o)| {
            let op = &mut s["resources"][r.as_str()]["operations"][o.as_str()];
            let path = op
                .get("path")
                .and_then(Value::as_str)
                .map(|p| format!("{p}/v2"));
            path.is_some_and(|p| {
                op.as_mapping_mut().is_some_and(|m| {
                    m.insert(Value::String("path".to_owned()), Value::String(p));
                    true
                })
            })
        })
    })?;
    Ok(edits)
}

/// The type written for a field: `string?`, or the `type` of its long form.
fn type_of(field: &Value) -> Option<&str> {
    field
        .as_str()
        .or_else(|| field.get("type").and_then(Value::as_str))
}

fn is_optional(field: &Value) -> bool {
    type_of(field).is_some_and(|t| t.ends_with('?'))
}

/// The first field of the first of `types` (object types) that `pick` accepts: type and field name.
fn first_field(
    spec: &Value,
    types: &[String],
    pick: impl Fn(&Value) -> bool,
) -> Option<(String, String)> {
    types.iter().find_map(|t| {
        let fields = spec
            .get("types")?
            .get(t.as_str())?
            .get("fields")?
            .as_mapping()?;
        fields
            .iter()
            .find(|(_, f)| pick(f))
            .and_then(|(n, _)| Some((t.clone(), n.as_str()?.to_owned())))
    })
}

/// Gives the copy's own packages a profile of their own (line tables only for debug info), so
/// that they build apart from the original's: cargo names a workspace package's artifacts by
/// its path *relative to the workspace root*, so without this the copy's would replace the
/// original's in the shared target directory, and look up to date to the original. The
/// dependencies keep the default profile and are shared.
fn separate_members(copy: &Path) -> Result<(), String> {
    let metadata = cargo(copy)
        .args(["metadata", "--no-deps", "--format-version", "1", "--locked"])
        .output()
        .map_err(|e| format!("error: cannot run cargo: {e}"))?;
    if !metadata.status.success() {
        return Err(format!(
            "error: `cargo metadata` failed in the copy: {}",
            String::from_utf8_lossy(&metadata.stderr).trim()
        ));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&metadata.stdout)
        .map_err(|e| format!("error: cannot read cargo's metadata: {e}"))?;
    let mut manifest = String::from(
        "\n# Added by `cargo xtask evolve-check`: the copy's packages build apart from the original's.\n",
    );
    for name in metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["name"].as_str())
    {
        manifest.push_str(&format!(
            "[profile.dev.package.{name:?}]\ndebug = \"line-tables-only\"\n"
        ));
    }
    let path = copy.join("Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("error: cannot read {}: {e}", path.display()))?;
    std::fs::write(&path, text + &manifest)
        .map_err(|e| format!("error: cannot write {}: {e}", path.display()))
}

/// Cargo, run in `dir` with the environment of a shell: without the variables `cargo run` set
/// for this program (`CARGO_PKG_NAME`, `CARGO_MANIFEST_DIR`, …), which build scripts such as
/// ring's watch, so that dependencies built from a shell stay up to date.
fn cargo(dir: &Path) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    command.current_dir(dir);
    for (name, _) in std::env::vars_os() {
        let set_by_cargo_run = name.to_str().is_some_and(|name| {
            [
                "CARGO_PKG_",
                "CARGO_MANIFEST_",
                "CARGO_CRATE_",
                "CARGO_BIN_",
            ]
            .iter()
            .any(|prefix| name.starts_with(prefix))
                || name == "CARGO_PRIMARY_PACKAGE"
        });
        if set_by_cargo_run {
            command.env_remove(name);
        }
    }
    command
}

/// Copies the files git knows of in `root` into `to`, emptied first.
fn copy_workspace(root: &Path, to: &Path) -> Result<(), String> {
    let listed = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(root)
        .output()
        .map_err(|e| format!("error: cannot run git, which lists the files to copy: {e}"))?;
    if !listed.status.success() {
        return Err(format!(
            "error: `git ls-files` failed in {}: {}",
            root.display(),
            String::from_utf8_lossy(&listed.stderr).trim()
        ));
    }
    if to.exists() {
        std::fs::remove_dir_all(to)
            .map_err(|e| format!("error: cannot clean {}: {e}", to.display()))?;
    }
    let files = String::from_utf8_lossy(&listed.stdout).into_owned();
    for relative in files.split('\0').filter(|f| !f.is_empty()) {
        let from = root.join(relative);
        // Deleted but not yet committed: the copy is of the working tree.
        if !from.is_file() {
            continue;
        }
        let path: PathBuf = to.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("error: cannot create {}: {e}", parent.display()))?;
        }
        std::fs::copy(&from, &path).map_err(|e| format!("error: cannot copy {relative}: {e}"))?;
    }
    Ok(())
}
