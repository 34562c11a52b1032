//! Generation speed: parse + validate + render + format, in process.
//!
//! `cargo bench -p codegen --bench generate`. Figures and the machine they ran on: BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

const REAL_SPEC: &str = include_str!("../../spec/cognipeer.yaml");

fn generate(c: &mut Criterion) {
    // The hand-written modules the spec names are read from disk on each run, as xtask does.
    let spec_dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec"));
    let read = codegen::files_in(spec_dir);
    let real = |spec: &str| codegen::generate_with(spec, "spec/cognipeer.yaml", &read);
    if let Err(diagnostics) = real(REAL_SPEC) {
        eprintln!("{diagnostics}");
        return;
    }
    c.bench_function("real spec (14 operations)", |b| {
        b.iter(|| real(black_box(REAL_SPEC)))
    });
    let mut group = c.benchmark_group("synthetic");
    group.sample_size(20);
    for operations in [10, 100, 1000] {
        let spec = codegen::synthetic::spec(operations);
        group.throughput(Throughput::Elements(operations as u64));
        group.bench_with_input(BenchmarkId::from_parameter(operations), &spec, |b, spec| {
            b.iter(|| codegen::generate(black_box(spec), "synthetic.yaml"))
        });
    }
    group.finish();
}

criterion_group!(benches, generate);
criterion_main!(benches);
