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

/// Timings of one survival benchmark.
#[derive(Debug, Clone)]
pub struct SurvivalBench {
    /// Patients.
    pub n: usize,
    /// Events.
    pub events: usize,
    /// Seconds for the Kaplan-Meier curves of both groups.
    pub km_seconds: f64,
    /// Seconds for the log-rank test.
    pub logrank_seconds: f64,
    /// Seconds for a 10-covariate Cox model (Efron).
    pub cox_seconds: f64,
    /// Newton-Raphson iterations of that model.
    pub cox_iterations: usize,
}

/// Simulates `n` patients with 10 covariates (the first the group) and
/// exponential event times with about 30% censoring, and times Kaplan-Meier
/// by group, the log-rank test and the 10-covariate Cox model.
pub fn survival(n: usize, seed: u64) -> SurvivalBench {
    use crate::stats::{cox, kaplan_meier, log_rank};
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let columns: Vec<Vec<f64>> = (0..10)
        .map(|j| {
            (0..n)
                .map(|_| {
                    if j < 4 {
                        f64::from(u8::from(rng.random::<f64>() < 0.4))
                    } else {
                        rng.random::<f64>() * 2.0 - 1.0
                    }
                })
                .collect()
        })
        .collect();
    let beta = [0.3, -0.2, 0.1, 0.0, 0.25, -0.15, 0.05, 0.1, -0.05, 0.2];
    let mut time = Vec::with_capacity(n);
    let mut event = Vec::with_capacity(n);
    for i in 0..n {
        let lp: f64 = beta.iter().zip(&columns).map(|(b, c)| b * c[i]).sum();
        let t = -(1.0 - rng.random::<f64>()).ln() / (0.05 * lp.exp());
        let c = rng.random::<f64>() * 60.0;
        // Whole months, as registry data are recorded: many tied times.
        time.push(t.min(c).ceil());
        event.push(t <= c);
    }
    let group: Vec<usize> = columns[0].iter().map(|&g| g as usize).collect();
    let start = Instant::now();
    for g in 0..2 {
        let idx: Vec<usize> = (0..n).filter(|&i| group[i] == g).collect();
        let t: Vec<f64> = idx.iter().map(|&i| time[i]).collect();
        let e: Vec<bool> = idx.iter().map(|&i| event[i]).collect();
        let _ = kaplan_meier::fit(&t, &e);
    }
    let km_seconds = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let _ = log_rank::test(&time, &event, &group, 2, None, 0.0);
    let logrank_seconds = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let fit = cox::fit(&time, &event, &columns, None, cox::Ties::Efron);
    let cox_seconds = start.elapsed().as_secs_f64();
    SurvivalBench {
        n,
        events: event.iter().filter(|&&e| e).count(),
        km_seconds,
        logrank_seconds,
        cox_seconds,
        cox_iterations: fit.map(|f| f.iterations).unwrap_or(0),
    }
}

/// The process's peak resident memory so far in MB (Linux `VmHWM`), `None`
/// where /proc is not available.
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
