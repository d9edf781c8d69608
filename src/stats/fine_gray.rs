//! The Fine-Gray proportional subdistribution-hazards model, as R's
//! `cmprsk::crr` fits it (Fine & Gray 1999, JASA 94:496).
//!
//! With failures of the cause of interest at times `t_j`, the risk set at
//! `t_j` keeps the patients still followed (`T_i >= t_j`, weight 1) and
//! those who had a competing event before it, weighted by
//! `G(t_j-) / G(T_i-)`, `G` the Kaplan-Meier curve of the censoring times
//! (every failure censored), read just before each time as crr does. The
//! negative log partial likelihood `sum_j [log S0(t_j) - b'x_j]` (tied
//! failures each counted, Breslow's way) is minimized by Newton-Raphson
//! from 0 with crr's rules: stop when `max |score_k| max(|b_k|, 1) <
//! 1e-6 max(|loglik|, 1)`, at most 10 iterations, each step halved while it
//! fails Armijo's condition (`f(b + s) <= f(b) + 1e-4 s'score`).
//!
//! The variance is Fine and Gray's sandwich `I^-1 (sum_i (eta_i + psi_i)
//! (eta_i + psi_i)') I^-1`: `eta_i` the patient's score residual under the
//! weighted risk sets and `psi_i` the part owed to estimating `G` (crr's
//! `crrvv`). Every sum over failures or competing events that the direct
//! formulas nest is kept as a running sum, so a fit costs O(n p^2) per
//! iteration rather than crr's O(n^2 p).

use super::StatsError;
use nalgebra::{DMatrix, DVector};
use statrs::distribution::{ContinuousCDF, Normal};

/// A fitted Fine-Gray model.
#[derive(Debug, Clone, PartialEq)]
pub struct FineGrayFit {
    /// Log subdistribution hazard ratios.
    pub coef: Vec<f64>,
    /// Sandwich standard errors.
    pub se: Vec<f64>,
    /// Wald z.
    pub z: Vec<f64>,
    /// Two-sided p.
    pub p: Vec<f64>,
    /// Log pseudo-likelihood at the estimate.
    pub loglik: f64,
    /// Newton iterations.
    pub iterations: usize,
    /// Whether crr's convergence rule was met.
    pub converged: bool,
}

/// The data in time order with the censoring curve before each time.
struct Data<'a> {
    order: Vec<usize>,
    time: &'a [f64],
    cause: &'a [u8],
    x: &'a [Vec<f64>],
    /// `G(T-)` of each patient (in `order`).
    g: Vec<f64>,
}

impl Data<'_> {
    fn p(&self) -> usize {
        self.x.len()
    }
    fn row(&self, k: usize) -> Vec<f64> {
        let i = self.order[k];
        self.x.iter().map(|c| c[i]).collect()
    }
    fn t(&self, k: usize) -> f64 {
        self.time[self.order[k]]
    }
    fn c(&self, k: usize) -> u8 {
        self.cause[self.order[k]]
    }
    /// `x'b` of position k.
    fn linear(&self, k: usize, b: &[f64]) -> f64 {
        let i = self.order[k];
        self.x.iter().zip(b).map(|(c, b)| c[i] * b).sum()
    }
    /// `exp(x'b)` of every position.
    fn risk_scores(&self, b: &[f64]) -> Vec<f64> {
        (0..self.order.len())
            .map(|k| self.linear(k, b).exp())
            .collect()
    }
}

/// The censoring curve just before each time: `prod_{s < t} (1 - c(s) / n(s))`.
fn censoring_before(time: &[f64], cause: &[u8], order: &[usize]) -> Vec<f64> {
    let n = order.len();
    let mut g = vec![1.0; n];
    let (mut surv, mut i) = (1.0, 0);
    while i < n {
        let t = time[order[i]];
        let end = (i..n).find(|&j| time[order[j]] != t).unwrap_or(n);
        let censored = (i..end).filter(|&j| cause[order[j]] == 0).count() as f64;
        for slot in &mut g[i..end] {
            *slot = surv;
        }
        surv *= 1.0 - censored / (n - i) as f64;
        i = end;
    }
    g
}

/// Risk-set sums at one failure time: S0, S1, S2 (p x p).
struct RiskSums {
    s0: f64,
    s1: Vec<f64>,
    s2: Vec<f64>,
}

/// For each patient position k that is a failure of interest, the risk-set
/// sums at its time (ties share them).
fn risk_sums(d: &Data<'_>, b: &[f64]) -> Vec<Option<RiskSums>> {
    let (n, p) = (d.order.len(), d.p());
    let eta = d.risk_scores(b);
    // Suffix sums of those still followed, prefix sums of competing events
    // (divided by their own G(T-)).
    let mut out: Vec<Option<RiskSums>> = (0..n).map(|_| None).collect();
    let (mut a0, mut a1, mut a2) = (0.0, vec![0.0; p], vec![0.0; p * p]);
    let mut later = vec![(0.0, vec![0.0; p], vec![0.0; p * p]); n + 1];
    for k in (0..n).rev() {
        let x = d.row(k);
        let (mut s0, mut s1, mut s2) = later[k + 1].clone();
        s0 += eta[k];
        for a in 0..p {
            s1[a] += eta[k] * x[a];
            for c in 0..p {
                s2[a * p + c] += eta[k] * x[a] * x[c];
            }
        }
        later[k] = (s0, s1, s2);
    }
    let mut k = 0;
    while k < n {
        let t = d.t(k);
        let end = (k..n).find(|&j| d.t(j) != t).unwrap_or(n);
        let (s0, s1, s2) = &later[k];
        let g = d.g[k];
        for j in (k..end).filter(|&j| d.c(j) == 1) {
            out[j] = Some(RiskSums {
                s0: s0 + g * a0,
                s1: s1.iter().zip(&a1).map(|(s, a)| s + g * a).collect(),
                s2: s2.iter().zip(&a2).map(|(s, a)| s + g * a).collect(),
            });
        }
        for j in (k..end).filter(|&j| d.c(j) == 2) {
            let (x, w) = (d.row(j), eta[j] / d.g[j]);
            a0 += w;
            for a in 0..p {
                a1[a] += w * x[a];
                for c in 0..p {
                    a2[a * p + c] += w * x[a] * x[c];
                }
            }
        }
        k = end;
    }
    out
}

/// Negative log pseudo-likelihood, its gradient and Hessian at `b`.
fn evaluate(d: &Data<'_>, b: &[f64]) -> (f64, DVector<f64>, DMatrix<f64>) {
    let p = d.p();
    let sums = risk_sums(d, b);
    let (mut f, mut s, mut h) = (0.0, DVector::zeros(p), DMatrix::zeros(p, p));
    for (k, r) in sums.iter().enumerate() {
        let Some(r) = r else { continue };
        let x = d.row(k);
        f += r.s0.ln() - d.linear(k, b);
        for a in 0..p {
            s[a] += r.s1[a] / r.s0 - x[a];
            for c in 0..p {
                h[(a, c)] += r.s2[a * p + c] / r.s0 - r.s1[a] * r.s1[c] / (r.s0 * r.s0);
            }
        }
    }
    (f, s, h)
}

/// Fits the model of cause 1 (`cause`: 0 censored, 1 the event, 2 a
/// competing event) on the covariate `columns`.
pub fn fit(time: &[f64], cause: &[u8], columns: &[Vec<f64>]) -> Result<FineGrayFit, StatsError> {
    let events = cause.iter().filter(|&&c| c == 1).count();
    if columns.is_empty() || events == 0 {
        return Err(StatsError::TooFewObservations {
            found: events,
            needed: 1,
        });
    }
    let order = super::stable_order(time.len(), |a, b| time[a].total_cmp(&time[b]));
    let g = censoring_before(time, cause, &order);
    let d = Data {
        order,
        time,
        cause,
        x: columns,
        g,
    };
    let p = d.p();
    let mut b = DVector::zeros(p);
    let (mut converged, mut iterations) = (false, 0);
    let mut f = f64::NAN;
    for ll in 0..=10 {
        iterations = ll;
        let (fb, s, h) = evaluate(&d, b.as_slice());
        f = fb;
        let big = (0..p)
            .map(|k| s[k].abs() * b[k].abs().max(1.0))
            .fold(0.0, f64::max);
        if big < fb.abs().max(1.0) * 1e-6 {
            converged = true;
            break;
        }
        if ll == 10 {
            break;
        }
        let mut step = -h.lu().solve(&s).ok_or(StatsError::Singular)?;
        let slope = step.dot(&s);
        let mut next = &b + &step;
        let mut halvings = 0;
        loop {
            let fn_ = evaluate(&d, next.as_slice()).0;
            if fn_.is_finite() && fn_ <= fb + 1e-4 * slope * 0.5f64.powi(halvings) {
                break;
            }
            halvings += 1;
            if halvings > 20 {
                break;
            }
            step *= 0.5;
            next = &b + &step;
        }
        if halvings > 20 {
            break;
        }
        b = next;
    }
    let info = evaluate(&d, b.as_slice()).2;
    let inv = info.clone().try_inverse().ok_or(StatsError::Singular)?;
    let meat = sandwich_meat(&d, b.as_slice());
    let var = &inv * meat * inv.transpose();
    let coef: Vec<f64> = b.iter().copied().collect();
    let se: Vec<f64> = (0..p).map(|k| var[(k, k)].sqrt()).collect();
    let z: Vec<f64> = coef.iter().zip(&se).map(|(b, s)| b / s).collect();
    let normal = Normal::standard();
    Ok(FineGrayFit {
        p: z.iter().map(|z| 2.0 * normal.sf(z.abs())).collect(),
        coef,
        se,
        z,
        loglik: -f,
        iterations,
        converged,
    })
}

/// `sum_i (eta_i + psi_i)(eta_i + psi_i)'` at `b` (crr's `crrvv`), with
/// the failures' and competing events' sums kept running:
/// `eta_i = [i fails](x_i - xbar(T_i)) - e_i (x_i C0(T_i) - C1(T_i))
///          - [i competes] e_i / G(T_i-) (x_i D0(T_i) - D1(T_i))`,
/// `C0(t) = sum_{t_j <= t} 1 / S0_j`, `C1(t) = sum_{t_j <= t} xbar_j / S0_j`,
/// `D0`, `D1` the same over `t_j > t` weighted by `G(t_j-)`; and
/// `psi_i = -sum_{censorings u <= T_i} q(u) / Y(u)^2 + [i censored] q(T_i) / Y(T_i)`
/// with `q(u) = A1(u) B0(u) - A0(u) B1(u)`, `A` the sums `e x^r / G(T-)` of
/// the competing events before u, `B` the sums `G(t_j-) xbar_j^r / S0_j` of
/// the failures from u on, and `Y(u)` the patients followed to u.
fn sandwich_meat(d: &Data<'_>, b: &[f64]) -> DMatrix<f64> {
    let (n, p) = (d.order.len(), d.p());
    let sums = risk_sums(d, b);
    let e = d.risk_scores(b);
    // Per failure: 1 / S0 and xbar / S0 (and times G).
    let fail: Vec<Option<(f64, Vec<f64>)>> = sums
        .iter()
        .map(|r| {
            r.as_ref()
                .map(|r| (1.0 / r.s0, r.s1.iter().map(|s| s / (r.s0 * r.s0)).collect()))
        })
        .collect();
    let add = |acc: &mut Vec<f64>, v: &[f64], w: f64| {
        for (a, x) in acc.iter_mut().zip(v) {
            *a += w * x;
        }
    };
    // C sums up to each position's time (inclusive), D sums after it, B
    // sums from it on: by time blocks.
    let mut blocks = Vec::new();
    let mut k = 0;
    while k < n {
        let t = d.t(k);
        let end = (k..n).find(|&j| d.t(j) != t).unwrap_or(n);
        blocks.push(k..end);
        k = end;
    }
    let total_d: (f64, Vec<f64>) =
        fail.iter()
            .enumerate()
            .fold((0.0, vec![0.0; p]), |(mut d0, mut d1), (k, f)| {
                if let Some((inv, xs)) = f {
                    d0 += d.g[k] * inv;
                    add(&mut d1, xs, d.g[k]);
                }
                (d0, d1)
            });
    let (mut c0, mut c1) = (0.0, vec![0.0; p]);
    let (mut d0, mut d1) = total_d.clone();
    let (mut b0, mut b1) = total_d;
    let (mut a0, mut a1) = (0.0, vec![0.0; p]);
    let mut psi_cum = vec![0.0; p];
    let mut meat = DMatrix::zeros(p, p);
    for block in blocks {
        // Failures at this time join C and leave D (after this time).
        for k in block.clone() {
            if let Some((inv, xs)) = &fail[k] {
                c0 += inv;
                add(&mut c1, xs, 1.0);
                d0 -= d.g[k] * inv;
                add(&mut d1, xs, -d.g[k]);
            }
        }
        // q at this time (B still holds the failures from this time on).
        let q: Vec<f64> = (0..p).map(|r| a1[r] * b0 - a0 * b1[r]).collect();
        let y = (n - block.start) as f64;
        let censored = block.clone().filter(|&k| d.c(k) == 0).count() as f64;
        add(&mut psi_cum, &q, -censored / (y * y));
        for k in block.clone() {
            let x = d.row(k);
            let mut v: Vec<f64> = (0..p).map(|r| -e[k] * (x[r] * c0 - c1[r])).collect();
            match d.c(k) {
                1 => {
                    if let Some(r) = &sums[k] {
                        for c in 0..p {
                            v[c] += x[c] - r.s1[c] / r.s0;
                        }
                    }
                }
                2 => {
                    let w = e[k] / d.g[k];
                    for r in 0..p {
                        v[r] -= w * (x[r] * d0 - d1[r]);
                    }
                }
                _ => {
                    for r in 0..p {
                        v[r] += q[r] / y;
                    }
                }
            }
            for r in 0..p {
                v[r] += psi_cum[r];
            }
            for r in 0..p {
                for c in 0..p {
                    meat[(r, c)] += v[r] * v[c];
                }
            }
        }
        // After this time: its failures leave B, its competing events join A.
        for k in block.clone() {
            if let Some((inv, xs)) = &fail[k] {
                b0 -= d.g[k] * inv;
                add(&mut b1, xs, -d.g[k]);
            }
            if d.c(k) == 2 {
                let w = e[k] / d.g[k];
                a0 += w;
                add(&mut a1, &d.row(k), w);
            }
        }
    }
    meat
}
