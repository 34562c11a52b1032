//! The command line: help is output and success; a mistake is an error with the usage.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn help_prints_the_usage_to_stdout_and_succeeds() {
    for args in [
        &["--help"][..],
        &["-h"],
        &["help"],
        &["codegen", "--help"],
        &["codegen", "--check", "-h"],
        &["schema", "--help"],
        &["openapi", "--help"],
    ] {
        let output = xtask(args);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(output.status.success(), "{args:?}: {output:?}");
        assert!(
            stdout.starts_with("usage: cargo xtask codegen"),
            "{args:?}: {stdout}"
        );
        assert!(output.stderr.is_empty(), "{args:?}: nothing on stderr");
    }
}

#[test]
fn a_mistake_fails_with_the_usage_on_stderr() {
    for (args, message) in [
        (&["codegen", "--chek"][..], "unknown option `--chek`"),
        (&["codegn"], "unknown task `codegn`"),
        (
            &["codegen", "--spec", "spec.yaml"],
            "`--spec` and `--out` go together",
        ),
        (&[], "usage: cargo xtask"),
    ] {
        let output = xtask(args);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(
            stderr.contains("usage: cargo xtask codegen"),
            "{args:?}: {stderr}"
        );
        assert!(output.stdout.is_empty(), "{args:?}: nothing on stdout");
    }
}
