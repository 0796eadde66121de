//! Per-phase benchmarks of pvelint on generated trees (`pvelint-gen`): read (discovery
//! and reading every file), parse (`pvelint_parse::load`: text, models, syntax
//! diagnostics), rules (context indexes and every rule), render (json, full), and the
//! whole `check --format json` pipeline in process.
//!
//! `cargo bench -p pvelint --bench phases` runs 50, 1,000 and 10,000 guests;
//! `PVELINT_BENCH_SIZES=50,1000` picks other sizes. Trees are generated into a
//! temporary directory once per size.

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use pvelint::discover;
use pvelint::output::{self as render, FullStyle, Links};
use pvelint_gen::{generate, Params};
use pvelint_parse::TreeInput;
use pvelint_rules::Context;
use std::path::Path;
use std::time::Duration;

fn sizes() -> Vec<usize> {
    std::env::var("PVELINT_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().replace('_', "").parse().ok()).collect())
        .unwrap_or_else(|| vec![50, 1_000, 10_000])
}

/// Reads the tree the way `pvelint check OUT/pve --vzdump-conf NODE=OUT/vzdump/NODE.conf…` does.
fn read(dir: &Path) -> TreeInput {
    let layout = discover::find_layout(&dir.join("pve")).expect("generated tree");
    let (mut input, _) = discover::read_tree(&layout);
    let mut confs: Vec<_> = std::fs::read_dir(dir.join("vzdump")).expect("vzdump dir").flatten().collect();
    confs.sort_by_key(|e| e.file_name());
    for e in confs {
        let name = e.file_name().to_string_lossy().trim_end_matches(".conf").to_string();
        let display = e.path().display().to_string();
        input.vzdump_confs.push((name, discover::read_file(&e.path(), display)));
    }
    input
}

fn all(_: &pvelint_rules::RuleMeta) -> bool {
    true
}

fn phases(c: &mut Criterion) {
    for guests in sizes() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let gen = generate(&Params::scaled(guests, 1));
        gen.write(tmp.path()).expect("write tree");
        let (bytes, files) = (gen.bytes() as u64, gen.file_count());
        drop(gen);
        let input = read(tmp.path());
        let tree = pvelint_parse::load(input.clone());
        let diags = pvelint::lint_tree(&tree, &all);
        eprintln!("{guests} guests: {files} files, {bytes} bytes, {} diagnostics", diags.len());

        let mut g = c.benchmark_group(format!("g{guests}"));
        g.throughput(Throughput::Bytes(bytes));
        if guests >= 5_000 {
            g.sample_size(10).measurement_time(Duration::from_secs(10));
        }
        g.bench_function("read", |b| b.iter(|| black_box(read(tmp.path()))));
        g.bench_function("parse", |b| {
            b.iter_batched(|| input.clone(), |i| black_box(pvelint_parse::load(i)), BatchSize::LargeInput)
        });
        g.bench_function("context", |b| b.iter(|| black_box(Context::new(&tree).volumes().count())));
        g.bench_function("rules", |b| {
            b.iter(|| {
                let ctx = Context::new(&tree);
                black_box(pvelint_rules::run(&ctx, all))
            })
        });
        g.bench_function("lint_tree", |b| b.iter(|| black_box(pvelint::lint_tree(&tree, &all))));
        g.bench_function("render_json", |b| b.iter(|| black_box(render::json(&tree, &diags, Links::default()))));
        g.bench_function("render_full", |b| {
            b.iter(|| black_box(render::full(&tree, &diags, FullStyle { color: false, width: 100 }, Links::default())))
        });
        g.bench_function("end_to_end_json", |b| {
            b.iter(|| {
                let (tree, diags) = pvelint::lint(read(tmp.path()), all);
                black_box(render::json(&tree, &diags, Links::default()))
            })
        });
        g.finish();
    }
}

criterion_group!(benches, phases);
criterion_main!(benches);
