//! Test-only crate. The README is included here so that its Rust examples compile as doctests.
#![doc = include_str!("../../README.md")]
