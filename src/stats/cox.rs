//! Cox proportional-hazards regression by Newton-Raphson on the partial
//! likelihood, with Efron (default) or Breslow handling of tied event
//! times, as R's `survival::coxph` (survival 3.5, `coxfit6.c`):
//! start at beta = 0; step `beta += I^-1 U`; halve the step while the log
//! partial likelihood decreases; stop when `|1 - l_old / l_new| <= 1e-9`
//! (at most 20 iterations). The variance is `I^-1` at the final estimate.
//!
//! At an event time with d tied events, risk-set sums
//! `S0 = sum r_i`, `S1 = sum r_i x_i`, `S2 = sum r_i x_i x_i'` (`r = exp(x'b)`)
//! and the sums `D0, D1, D2` over the d events:
//! Breslow: `l += sum_D x'b - d log S0`, `U += sum_D x - d S1 / S0`,
//! `I += d (S2 / S0 - S1 S1' / S0^2)`.
//! Efron: for k = 0..d-1 with `f = k / d`, `S0_k = S0 - f D0` (likewise S1,
//! S2): `l -= log S0_k`, `U -= S1_k / S0_k`, `I += S2_k / S0_k - S1_k S1_k' / S0_k^2`,
//! plus `sum_D x'b` and `sum_D x`.
//! Cox (1972) JRSS B 34:187; Efron (1977) JASA 72:557; Therneau &
//! Grambsch (2000), Modeling Survival Data, ch. 3.

use super::StatsError;
use nalgebra::{DMatrix, DVector};
use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};

/// Handling of tied event times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ties {
    /// Efron's approximation (R's default).
    Efron,
    /// Breslow's approximation.
    Breslow,
}

/// A test statistic with its degrees of freedom and p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChiSquareTest {
    /// Statistic.
    pub statistic: f64,
    /// Degrees of freedom.
    pub df: usize,
    /// p-value.
    pub p: f64,
}

/// A fitted Cox model.
#[derive(Debug, Clone, PartialEq)]
pub struct CoxFit {
    /// Log hazard ratios.
    pub coef: Vec<f64>,
    /// Model-based variance `I^-1` (p x p, row-major).
    pub var: Vec<Vec<f64>>,
    /// Standard errors.
    pub se: Vec<f64>,
    /// Wald z.
    pub z: Vec<f64>,
    /// Two-sided Wald p-values.
    pub p: Vec<f64>,
    /// Log partial likelihood at beta = 0.
    pub loglik_null: f64,
    /// Log partial likelihood at the estimate.
    pub loglik: f64,
    /// Likelihood-ratio test, `2 (l - l_null)`.
    pub lr_test: ChiSquareTest,
    /// Wald test `b' V^-1 b`.
    pub wald_test: ChiSquareTest,
    /// Score test at beta = 0, `U' I^-1 U`.
    pub score_test: ChiSquareTest,
    /// Newton-Raphson iterations.
    pub iterations: usize,
    /// Whether the convergence rule was met.
    pub converged: bool,
    /// Coefficients that appear to diverge (monotone likelihood: e.g. no
    /// events in one group), by index; their estimates are not finite in truth.
    pub infinite: Vec<usize>,
    /// Subjects.
    pub n: usize,
    /// Events.
    pub events: usize,
}

const EPS: f64 = 1e-9;
const MAX_ITER: usize = 20;

struct Data<'a> {
    time: &'a [f64],
    event: &'a [bool],
    x: Vec<Vec<f64>>, // centred covariates, by row
    strata: Vec<usize>,
    order: Vec<usize>, // by stratum, then decreasing time
}

/// Log partial likelihood, score and information at `beta`.
fn evaluate(d: &Data<'_>, beta: &DVector<f64>, ties: Ties) -> (f64, DVector<f64>, DMatrix<f64>) {
    let p = beta.len();
    let mut ll = 0.0;
    let mut u = DVector::zeros(p);
    let mut imat = DMatrix::zeros(p, p);
    let eta: Vec<f64> =
        d.x.iter()
            .map(|xi| xi.iter().zip(beta.iter()).map(|(a, b)| a * b).sum())
            .collect();
    let mut i = 0;
    let n = d.order.len();
    while i < n {
        let stratum = d.strata[d.order[i]];
        let (mut s0, mut s1, mut s2) = (0.0, DVector::zeros(p), DMatrix::zeros(p, p));
        while i < n && d.strata[d.order[i]] == stratum {
            let t = d.time[d.order[i]];
            let (mut d0, mut d1, mut d2) =
                (0.0, DVector::<f64>::zeros(p), DMatrix::<f64>::zeros(p, p));
            let mut deaths = 0usize;
            let mut j = i;
            while j < n && d.strata[d.order[j]] == stratum && d.time[d.order[j]] == t {
                let k = d.order[j];
                let r = eta[k].exp();
                let xk = DVector::from_column_slice(&d.x[k]);
                s0 += r;
                s1 += &xk * r;
                s2 += &xk * xk.transpose() * r;
                if d.event[k] {
                    deaths += 1;
                    d0 += r;
                    d1 += &xk * r;
                    d2 += &xk * xk.transpose() * r;
                    ll += eta[k];
                    u += &xk;
                }
                j += 1;
            }
            if deaths > 0 {
                let dd = deaths as f64;
                match ties {
                    Ties::Breslow => {
                        ll -= dd * s0.ln();
                        let mean = &s1 / s0;
                        u -= &mean * dd;
                        imat += (&s2 / s0 - &mean * mean.transpose()) * dd;
                    }
                    Ties::Efron => {
                        for kk in 0..deaths {
                            let f = kk as f64 / dd;
                            let a0 = s0 - f * d0;
                            let a1 = &s1 - &d1 * f;
                            let a2 = &s2 - &d2 * f;
                            ll -= a0.ln();
                            let mean = &a1 / a0;
                            u -= &mean;
                            imat += &a2 / a0 - &mean * mean.transpose();
                        }
                    }
                }
            }
            i = j;
        }
    }
    (ll, u, imat)
}

fn chi2(statistic: f64, df: usize) -> ChiSquareTest {
    let p = ChiSquared::new(df as f64)
        .map(|c| c.sf(statistic))
        .unwrap_or(f64::NAN);
    ChiSquareTest { statistic, df, p }
}

/// Fits a Cox model. `columns` are the covariates (no intercept), each of
/// length n; `strata` optionally gives each row's stratum (separate baseline
/// hazards). Errors when there is no event, no covariate, or the
/// information matrix is singular (a constant or collinear covariate).
pub fn fit(
    time: &[f64],
    event: &[bool],
    columns: &[Vec<f64>],
    strata: Option<&[usize]>,
    ties: Ties,
) -> Result<CoxFit, StatsError> {
    let n = time.len();
    let p = columns.len();
    let events = event.iter().filter(|&&e| e).count();
    if p == 0 || events == 0 {
        return Err(StatsError::TooFewObservations {
            found: events,
            needed: 1,
        });
    }
    let means: Vec<f64> = columns
        .iter()
        .map(|c| c.iter().sum::<f64>() / n as f64)
        .collect();
    let x: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..p).map(|j| columns[j][i] - means[j]).collect())
        .collect();
    let strata: Vec<usize> = strata.map_or_else(|| vec![0; n], <[usize]>::to_vec);
    let mut order: Vec<usize> = (0..n).collect();
    // Descending time within stratum: risk sets grow as the scan goes back in time.
    order.sort_by(|&a, &b| strata[a].cmp(&strata[b]).then(time[b].total_cmp(&time[a])));
    let data = Data {
        time,
        event,
        x,
        strata,
        order,
    };
    let mut beta = DVector::zeros(p);
    let (ll0, u0, i0) = evaluate(&data, &beta, ties);
    let chol0 = i0.clone().cholesky().ok_or(StatsError::Singular)?;
    let step0 = chol0.solve(&u0);
    let score = u0.dot(&step0);
    let mut loglik = ll0;
    let mut newbeta = &beta + &step0;
    let mut halving = false;
    let mut converged = false;
    let mut iterations = 0;
    let mut info = i0;
    let mut u_final = u0;
    for iter in 1..=MAX_ITER {
        iterations = iter;
        let (newlk, u, imat) = evaluate(&data, &newbeta, ties);
        if (1.0 - loglik / newlk).abs() <= EPS && !halving {
            loglik = newlk;
            beta = newbeta.clone();
            info = imat;
            u_final = u;
            converged = true;
            break;
        }
        if iter == MAX_ITER {
            break;
        }
        if newlk < loglik || !newlk.is_finite() {
            halving = true;
            newbeta = (&newbeta + &beta) / 2.0;
        } else {
            halving = false;
            loglik = newlk;
            beta = newbeta.clone();
            let step = imat
                .clone()
                .cholesky()
                .ok_or(StatsError::Singular)?
                .solve(&u);
            info = imat;
            u_final = u;
            newbeta = &beta + step;
        }
    }
    if !converged {
        // Report the last accepted estimate and its information.
        let (ll, u, imat) = evaluate(&data, &beta, ties);
        loglik = ll;
        info = imat;
        u_final = u;
    }
    let var = info
        .clone()
        .cholesky()
        .ok_or(StatsError::Singular)?
        .inverse();
    let coef: Vec<f64> = beta.iter().copied().collect();
    let se: Vec<f64> = (0..p).map(|j| var[(j, j)].sqrt()).collect();
    let z: Vec<f64> = coef.iter().zip(&se).map(|(b, s)| b / s).collect();
    let normal = Normal::standard();
    let pv = z.iter().map(|z| 2.0 * normal.sf(z.abs())).collect();
    let wald = beta.dot(&(&info * &beta));
    // R's check for infinite coefficients: a one-step change that is still
    // large relative to the coefficient after convergence.
    let one_step = &var * &u_final;
    let infinite = (0..p)
        .filter(|&j| one_step[j].abs() > EPS && one_step[j].abs() > EPS.sqrt() * coef[j].abs())
        .chain((0..p).filter(|&j| coef[j].abs() > 20.0 && se[j] > 10.0 * coef[j].abs().max(1.0)))
        .collect::<std::collections::BTreeSet<usize>>()
        .into_iter()
        .collect();
    Ok(CoxFit {
        var: (0..p)
            .map(|a| (0..p).map(|b| var[(a, b)]).collect())
            .collect(),
        se,
        z,
        p: pv,
        loglik_null: ll0,
        loglik,
        lr_test: chi2(2.0 * (loglik - ll0), p),
        wald_test: chi2(wald, p),
        score_test: chi2(score, p),
        iterations,
        converged,
        infinite,
        n,
        events,
        coef,
    })
}
