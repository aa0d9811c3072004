//! Benchmark (not a test): how long compiling a ~700-rule profile takes.
//!
//! `cargo bench --bench compile` prints the median and fastest of 50 compilations of
//! the built-in default (basic + extra, 658 rules) plus 50 more rules, so that the
//! profile has about 700 rules, with keywords, masks and private-creator selectors.

#![allow(clippy::expect_used, clippy::indexing_slicing, reason = "benchmark")]

use dicom_anonymizer::profile::{self, Entry};
use std::time::Instant;

fn main() {
    let mut extra = String::from("profile \"bench\"\n");
    for i in 0..25u32 {
        extra.push_str(&format!("(0019,\"VENDOR {i}\",{:02X}) keep\n", i + 16));
        extra.push_str(&format!("(60{:02X},xx{:02X}) delete\n", (i * 2) % 0x20, i));
    }
    let entries = vec![
        Entry::Builtin("basic".into()),
        Entry::Builtin("extra".into()),
        Entry::Text {
            name: "bench.anon".into(),
            text: extra,
        },
    ];
    // warm the dictionary and the allocator
    let first = profile::compile(&entries);
    let plan = first.plan.expect("the benchmark profile compiles");
    let rules = plan.all_rules().len();
    let mut times = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        let c = profile::compile(&entries);
        std::hint::black_box(&c);
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "compile {rules} rules: median {:.2} ms, fastest {:.2} ms (50 runs)",
        times[times.len() / 2],
        times[0]
    );
}
