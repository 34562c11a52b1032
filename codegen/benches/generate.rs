//! Generation speed: parse + validate + render + format, in process.
//!
//! `cargo bench -p codegen --bench generate`. Figures and the machine they ran on: BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

const REAL_SPEC: &str = include_str!("../../spec/cognipeer.yaml");

fn generate(c: &mut Criterion) {
    c.bench_function("real spec (14 operations)", |b| {
        b.iter(|| codegen::generate(black_box(REAL_SPEC), "spec/cognipeer.yaml"))
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
