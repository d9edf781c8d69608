//! The bootstrap's percentile interval against R's boot (tests/fixtures/
//! r-reference/bootstrap/percentile.R), and the per-replicate seeds.

mod common;

use common::reference_dir;
use studybook::stats::bootstrap;

// boot.ci(type = "perc"): exact order statistics at (R + 1) a = 25, 975
// (999 replicates), normal-scale interpolation (200, 57), and the extreme
// replicates when (R + 1) a falls outside 1..R-1 (19).
#[test]
fn percentile_interval_matches_boot() {
    let path = reference_dir().join("bootstrap/percentile.json");
    let f: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for c in f["cases"].as_array().unwrap() {
        let t: Vec<f64> = c["replicates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        let (lo, hi) = bootstrap::percentile_interval(&t, 0.95).unwrap();
        assert_close!(lo, c["lower"].as_f64().unwrap(), 1e-12);
        assert_close!(hi, c["upper"].as_f64().unwrap(), 1e-12);
    }
}

// 999 replicates of 1..=999 (any order): the 25th and 975th values (to
// the rounding of (1 - 0.95) / 2, which boot shares).
#[test]
fn percentile_interval_of_999_is_the_25th_and_975th_values() {
    let t: Vec<f64> = (1..=999).rev().map(f64::from).collect();
    let (lo, hi) = bootstrap::percentile_interval(&t, 0.95).unwrap();
    assert_close!(lo, 25.0, 1e-9);
    assert_close!(hi, 975.0, 1e-9);
    assert_eq!(bootstrap::percentile_interval(&[1.0], 0.95), None);
}

// A replicate's seed depends on (seed, index) only, and differs between them.
#[test]
fn replicate_seeds_are_distinct_and_reproducible() {
    let seeds: Vec<u64> = (0..1000).map(|i| bootstrap::replicate_seed(1, i)).collect();
    let mut unique = seeds.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), seeds.len());
    assert_eq!(bootstrap::replicate_seed(1, 7), seeds[7]);
    assert_ne!(bootstrap::replicate_seed(2, 7), seeds[7]);
}

// The matched-pairs bootstrap of the veteran fixture study gives the same
// interval on one thread as on two: each replicate's draws come from its
// own seed, and the replicates are collected in index order.
#[test]
fn bootstrap_does_not_depend_on_the_thread_count() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/studies/veteran/study.toml");
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            studybook::pipeline::analyse(&path)
                .unwrap()
                .results
                .bootstrap
        })
    };
    let (one, two) = (run(1), run(2));
    assert_eq!(one.len(), 1);
    let b = &one[0];
    assert_eq!((b.replicates, b.seed, b.failed), (199, 1, 0));
    assert_eq!(
        (b.lower, b.upper),
        (two[0].lower, two[0].upper),
        "thread count changed the interval"
    );
    // The matched hazard ratio lies inside its bootstrap interval.
    let a = studybook::pipeline::analyse(&path).unwrap();
    let hr = a.results.survival.get("matched").unwrap().cox[0].terms[0]
        .hr
        .unwrap();
    assert!(b.lower.unwrap() < hr && hr < b.upper.unwrap());
}
