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
    /// Variance used for inference (p x p, row-major): `I^-1`, or the
    /// robust variance after [`CoxFit::with_robust_variance`].
    pub var: Vec<Vec<f64>>,
    /// Model-based variance `I^-1` when `var` is robust.
    pub naive_var: Option<Vec<Vec<f64>>>,
    /// Model-based standard errors, `sqrt(diag(I^-1))`.
    pub se: Vec<f64>,
    /// Robust standard errors, when computed.
    pub robust_se: Option<Vec<f64>>,
    /// Wald z (with the robust SE when computed).
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

/// Covariates by row, centred on their means (the partial likelihood does
/// not change, and exp(x'b) stays in range), and each row's stratum.
fn centred_rows(
    columns: &[Vec<f64>],
    strata: Option<&[usize]>,
    n: usize,
) -> (Vec<Vec<f64>>, Vec<usize>) {
    let p = columns.len();
    let means: Vec<f64> = columns
        .iter()
        .map(|c| c.iter().sum::<f64>() / n as f64)
        .collect();
    let x = (0..n)
        .map(|i| (0..p).map(|j| columns[j][i] - means[j]).collect())
        .collect();
    (x, strata.map_or_else(|| vec![0; n], <[usize]>::to_vec))
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
    let (x, strata) = centred_rows(columns, strata, n);
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
        naive_var: None,
        se,
        robust_se: None,
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

impl CoxFit {
    /// The same fit with inference based on the robust variance `v` (from
    /// [`robust_variance`]): z, p and the Wald test use it; the model-based
    /// variance moves to `naive_var`; LR and score tests are unchanged, as in R.
    pub fn with_robust_variance(mut self, v: Vec<Vec<f64>>) -> CoxFit {
        let p = self.coef.len();
        let rse: Vec<f64> = (0..p).map(|j| v[j][j].sqrt()).collect();
        self.z = self.coef.iter().zip(&rse).map(|(b, s)| b / s).collect();
        let normal = Normal::standard();
        self.p = self.z.iter().map(|z| 2.0 * normal.sf(z.abs())).collect();
        let vm = DMatrix::from_fn(p, p, |a, b| v[a][b]);
        let b = DVector::from_column_slice(&self.coef);
        let wald = vm.lu().solve(&b).map_or(f64::NAN, |x| b.dot(&x));
        self.wald_test = chi2(wald, p);
        self.robust_se = Some(rse);
        self.naive_var = Some(std::mem::replace(&mut self.var, v));
        self
    }
}

/// Robust (sandwich) variance of a fitted model, as `coxph(..., cluster = g)`
/// or `robust = TRUE` (each row its own cluster): `V_r = D' D` with
/// `D = sum over each cluster of the dfbeta residuals L_i V` (Lin & Wei 1989,
/// JASA 84:1074; Therneau & Grambsch 2000, sec. 7.2).
///
/// The score residual of row i is
/// `L_i = delta_i (x_i - xbar_d(t_i)) - r_i sum_{t_j <= t_i} (x_i - xbar(t_j)) dLambda(t_j)`,
/// with Efron's weighting at tied event times: at a time with d events,
/// stage k = 0..d-1 has `f = k/d`, denominator `S0 - f D0` and mean
/// `(S1 - f D1) / (S0 - f D0)`; a row that is at risk but has no event there
/// takes every stage in full, a row with an event there takes stage k with
/// weight `1 - f`, and the event term uses the average of the stage means.
/// Computed with running sums in one pass per stratum.
pub fn robust_variance(
    time: &[f64],
    event: &[bool],
    columns: &[Vec<f64>],
    strata: Option<&[usize]>,
    ties: Ties,
    fit: &CoxFit,
    cluster: &[usize],
) -> Vec<Vec<f64>> {
    let n = time.len();
    let p = columns.len();
    let (x, strata) = centred_rows(columns, strata, n);
    let r: Vec<f64> = x
        .iter()
        .map(|xi| {
            xi.iter()
                .zip(&fit.coef)
                .map(|(a, b)| a * b)
                .sum::<f64>()
                .exp()
        })
        .collect();
    // Ascending time within stratum.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| strata[a].cmp(&strata[b]).then(time[a].total_cmp(&time[b])));
    let mut resid = vec![vec![0.0; p]; n];
    let mut i = 0;
    while i < n {
        let s = strata[order[i]];
        let mut end = i;
        while end < n && strata[order[end]] == s {
            end += 1;
        }
        let idx = &order[i..end];
        // Risk-set sums at each distinct time, from the back.
        let mut times: Vec<(usize, usize)> = Vec::new(); // (start, end) in idx
        let mut a = 0;
        while a < idx.len() {
            let mut b = a;
            while b < idx.len() && time[idx[b]] == time[idx[a]] {
                b += 1;
            }
            times.push((a, b));
            a = b;
        }
        let mut s0_at = vec![0.0; times.len()];
        let mut s1_at = vec![vec![0.0; p]; times.len()];
        let (mut s0, mut s1) = (0.0, vec![0.0; p]);
        for (t, &(a, b)) in times.iter().enumerate().rev() {
            for &k in &idx[a..b] {
                s0 += r[k];
                for j in 0..p {
                    s1[j] += r[k] * x[k][j];
                }
            }
            s0_at[t] = s0;
            s1_at[t].clone_from(&s1);
        }
        // Running sums of dLambda and xbar dLambda before the current time.
        let (mut lam, mut bsum) = (0.0, vec![0.0; p]);
        for (t, &(a, b)) in times.iter().enumerate() {
            let rows = &idx[a..b];
            let dead: Vec<usize> = rows.iter().copied().filter(|&k| event[k]).collect();
            let d = dead.len();
            let (mut dl_all, mut db_all) = (0.0, vec![0.0; p]);
            let (mut dl_dead, mut db_dead) = (0.0, vec![0.0; p]);
            let mut mean_dead = vec![0.0; p];
            if d > 0 {
                let d0: f64 = dead.iter().map(|&k| r[k]).sum();
                let d1: Vec<f64> = (0..p)
                    .map(|j| dead.iter().map(|&k| r[k] * x[k][j]).sum())
                    .collect();
                let stages: Vec<(f64, f64)> = match ties {
                    Ties::Breslow => vec![(0.0, d as f64)],
                    Ties::Efron => (0..d).map(|k| (k as f64 / d as f64, 1.0)).collect(),
                };
                for (f, mult) in stages {
                    let den = s0_at[t] - f * d0;
                    let mean: Vec<f64> = (0..p).map(|j| (s1_at[t][j] - f * d1[j]) / den).collect();
                    dl_all += mult / den;
                    dl_dead += mult * (1.0 - f) / den;
                    for j in 0..p {
                        db_all[j] += mult * mean[j] / den;
                        db_dead[j] += mult * (1.0 - f) * mean[j] / den;
                        mean_dead[j] += mult * mean[j] / d as f64;
                    }
                }
            }
            for &k in rows {
                let (dl, db) = if event[k] {
                    (dl_dead, &db_dead)
                } else {
                    (dl_all, &db_all)
                };
                for j in 0..p {
                    let comp = r[k] * (x[k][j] * (lam + dl) - (bsum[j] + db[j]));
                    let death = if event[k] {
                        x[k][j] - mean_dead[j]
                    } else {
                        0.0
                    };
                    resid[k][j] = death - comp;
                }
            }
            lam += dl_all;
            for j in 0..p {
                bsum[j] += db_all[j];
            }
        }
        i = end;
    }
    // dfbeta = L V, summed within clusters.
    let mut groups: std::collections::BTreeMap<usize, Vec<f64>> = std::collections::BTreeMap::new();
    for k in 0..n {
        let dfb: Vec<f64> = (0..p)
            .map(|a| (0..p).map(|b| resid[k][b] * fit.var[b][a]).sum())
            .collect();
        let g = groups.entry(cluster[k]).or_insert_with(|| vec![0.0; p]);
        for j in 0..p {
            g[j] += dfb[j];
        }
    }
    let mut v = vec![vec![0.0; p]; p];
    for g in groups.values() {
        for a in 0..p {
            for b in 0..p {
                v[a][b] += g[a] * g[b];
            }
        }
    }
    v
}
