//! Timed runs of the numeric kernels on synthetic data of any size, for the
//! `studybook bench` command. Benchmarks live here (and are run by hand),
//! never in timed tests.

use crate::stats::{describe, logistic, matching};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use std::time::Instant;

/// Timings of one matching benchmark.
#[derive(Debug, Clone)]
pub struct MatchingBench {
    /// Patients.
    pub n: usize,
    /// Focal patients.
    pub focal: usize,
    /// Seconds to fit the propensity model (two covariates + intercept).
    pub fit_seconds: f64,
    /// Seconds to match 1:1 with a caliper of 0.1 SD on the PS.
    pub match_seconds: f64,
    /// Focal patients matched.
    pub matched: usize,
}

/// Simulates `n` patients with two covariates, fits the propensity model
/// and matches 1:1 (largest first, caliper 0.1 SD), timing each step.
pub fn matching(n: usize, seed: u64) -> MatchingBench {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let x1: Vec<f64> = (0..n).map(|_| rng.random::<f64>() * 4.0 - 2.0).collect();
    let x2: Vec<f64> = (0..n)
        .map(|_| f64::from(u8::from(rng.random::<f64>() < 0.4)))
        .collect();
    let y: Vec<f64> = (0..n)
        .map(|i| {
            let p = 1.0 / (1.0 + (-(-0.8 + 0.9 * x1[i] + 0.5 * x2[i])).exp());
            f64::from(u8::from(rng.random::<f64>() < p))
        })
        .collect();
    let start = Instant::now();
    let fit = logistic::fit(&[vec![1.0; n], x1, x2], &y);
    let fit_seconds = start.elapsed().as_secs_f64();
    let ps = fit.map(|f| f.fitted).unwrap_or_else(|_| vec![0.5; n]);
    let focal: Vec<bool> = y.iter().map(|&v| v == 1.0).collect();
    let start = Instant::now();
    let width = 0.1 * describe::sd(&ps).unwrap_or(0.0);
    let order = matching::processing_order(&ps, &focal, matching::MatchOrder::Largest);
    let opts = matching::NearestOptions {
        ratio: 1,
        caliper: Some(width),
        replace: false,
    };
    let m = matching::nearest(&ps, &focal, &order, opts);
    let match_seconds = start.elapsed().as_secs_f64();
    MatchingBench {
        n,
        focal: focal.iter().filter(|&&f| f).count(),
        fit_seconds,
        match_seconds,
        matched: m.iter().filter(|c| !c.is_empty()).count(),
    }
}
