//! Misuse that must not compile, with the compiler's messages pinned (`tests/compile_fail/`):
//! an operation the client's token kind may not call, a forgotten required input, a struct
//! literal of a `#[non_exhaustive]` model. They use `placements-sdk`, whose spec has an operation
//! for each token kind alone, so that the real spec's auth rules can change freely.
//!
//! After a deliberate change of a message, `TRYBUILD=overwrite cargo test -p tests --test
//! compile_fail` rewrites the `.stderr` files; review them like snapshots.

#[test]
fn misuse_does_not_compile_and_says_what_to_do() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("compile_fail/*.rs");
}
