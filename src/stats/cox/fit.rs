//! Newton-Raphson on the partial likelihood: the risk-set scan with
//! Efron's or Breslow's tied-time terms in closed form, step halving and
//! R's stopping rule.

use super::*;

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

/// `s1 += r x`, `s2 += r x x'` (lower triangle of a p x p row-major array).
pub(super) fn accumulate(s1: &mut [f64], s2: &mut [f64], x: &[f64], r: f64) {
    let p = x.len();
    for a in 0..p {
        let ra = r * x[a];
        s1[a] += ra;
        for (v, xb) in s2[a * p..a * p + a + 1].iter_mut().zip(x) {
            *v += ra * xb;
        }
    }
}

/// The stages of one event time with d tied events of total case weight
/// `wd` (d when unweighted), as (f, weight): Breslow one stage (0, wd);
/// Efron d stages (k / d, wd / d), k = 0..d-1, the events' mean weight as
/// R's `coxfit6.c` gives each stage. Each stage's denominator is
/// `S0 - f D0` (see the module documentation).
pub(super) fn tie_stages(ties: Ties, deaths: usize, wd: f64) -> impl Iterator<Item = (f64, f64)> {
    let d = deaths as f64;
    let (stages, breslow) = match ties {
        Ties::Breslow => (usize::from(deaths > 0), true),
        Ties::Efron => (deaths, false),
    };
    (0..stages).map(move |k| {
        if breslow {
            (0.0, wd)
        } else {
            (k as f64 / d, wd / d)
        }
    })
}

/// Scalar sums over the stages `(f_k, w_k)` of one event time, with
/// denominators `a_k = S0 - f_k D0`:
/// `log = sum w log a`, `c1 = sum w / a`, `c2 = sum w f / a`,
/// `q0 = sum w / a^2`, `q1 = sum w f / a^2`, `q2 = sum w f^2 / a^2`.
///
/// Every per-stage vector and matrix term is linear in `S1 - f D1` and
/// `S2 - f D2` or quadratic in `(S1 - f D1) / a`, so with these sums a time
/// with d tied events costs O(d) scalar work plus O(p^2) once, instead of
/// the O(d p^2) of looping over the stages (R's `coxfit6.c` loops; the sums
/// are the same, in another rounding order). For example the Efron score
/// term is `sum_k (S1 - f_k D1) / a_k = S1 c1 - D1 c2`.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct StageSums {
    pub(super) log: f64,
    pub(super) c1: f64,
    pub(super) c2: f64,
    pub(super) q0: f64,
    pub(super) q1: f64,
    pub(super) q2: f64,
}

impl StageSums {
    pub(super) fn new(ties: Ties, deaths: usize, wd: f64, s0: f64, d0: f64) -> StageSums {
        let mut out = StageSums::default();
        // sum w log a = (sum w) log S0 + sum w log(a / S0); the ratios lie
        // in (0, 1] (Breslow's is exactly 1), so their product is taken and
        // its log added only when it nears underflow: one log per time
        // instead of one per tied event.
        // Every stage of a time has the same weight (see [`tie_stages`]),
        // so the product's log is scaled by it once.
        let (mut product, mut weight, mut stage) = (1.0, 0.0, 1.0);
        for (f, w) in tie_stages(ties, deaths, wd) {
            let a = s0 - f * d0;
            let (inv, inv2) = (w / a, w / (a * a));
            out.c1 += inv;
            out.c2 += f * inv;
            out.q0 += inv2;
            out.q1 += f * inv2;
            out.q2 += f * f * inv2;
            product *= a / s0;
            weight += w;
            stage = w;
            if product < 1e-250 {
                out.log += stage * product.ln();
                product = 1.0;
            }
        }
        out.log += stage * product.ln() + weight * s0.ln();
        out
    }
}

/// Contributions of one event time: its log-likelihood term, score vector
/// and information (lower triangle of a p x p row-major array).
pub(super) struct TimeTerm<'a> {
    /// The event time (used by the time-varying tests of [`zph`]).
    pub(super) time: f64,
    pub(super) loglik: f64,
    pub(super) score: &'a [f64],
    pub(super) info: &'a [f64],
}

/// Scans the risk sets at `beta` and calls `visit` once per event time with
/// that time's contributions. The sums are kept in flat arrays with no
/// allocation per row, so a pass over a million rows takes milliseconds per
/// covariate.
pub(super) fn scan(d: &Data, beta: &DVector<f64>, ties: Ties, mut visit: impl FnMut(TimeTerm<'_>)) {
    let p = beta.len();
    let tri = |a: usize, b: usize| a * p + b; // a >= b
    let eta: Vec<f64> = (0..d.x.n)
        .map(|i| d.x.row(i).iter().zip(beta.iter()).map(|(a, b)| a * b).sum())
        .collect();
    let (mut s1, mut s2) = (vec![0.0; p], vec![0.0; p * p]);
    let (mut d1, mut d2) = (vec![0.0; p], vec![0.0; p * p]);
    let (mut score, mut info) = (vec![0.0; p], vec![0.0; p * p]);
    let n = d.time.len();
    let mut i = 0;
    while i < n {
        let stratum = d.strata[i];
        let mut s0 = 0.0;
        s1.iter_mut().for_each(|v| *v = 0.0);
        s2.iter_mut().for_each(|v| *v = 0.0);
        while i < n && d.strata[i] == stratum {
            let t = d.time[i];
            let mut d0 = 0.0;
            d1.iter_mut().for_each(|v| *v = 0.0);
            d2.iter_mut().for_each(|v| *v = 0.0);
            score.iter_mut().for_each(|v| *v = 0.0);
            let mut ll = 0.0;
            let (mut deaths, mut wd) = (0usize, 0.0);
            let mut j = i;
            while j < n && d.strata[j] == stratum && d.time[j] == t {
                let w = d.weight[j];
                let r = eta[j].exp() * w;
                let xk = d.x.row(j);
                s0 += r;
                accumulate(&mut s1, &mut s2, xk, r);
                if d.event[j] {
                    deaths += d.count[j];
                    wd += w;
                    d0 += r;
                    accumulate(&mut d1, &mut d2, xk, r);
                    for (sa, xa) in score.iter_mut().zip(xk) {
                        *sa += w * xa;
                    }
                    ll += w * eta[j];
                }
                j += 1;
            }
            if deaths > 0 {
                let st = StageSums::new(ties, deaths, wd, s0, d0);
                ll -= st.log;
                for a in 0..p {
                    score[a] -= s1[a] * st.c1 - d1[a] * st.c2;
                    for b in 0..=a {
                        let (s1a, s1b, d1a, d1b) = (s1[a], s1[b], d1[a], d1[b]);
                        let outer =
                            s1a * s1b * st.q0 - (s1a * d1b + d1a * s1b) * st.q1 + d1a * d1b * st.q2;
                        info[tri(a, b)] = s2[tri(a, b)] * st.c1 - d2[tri(a, b)] * st.c2 - outer;
                    }
                }
                visit(TimeTerm {
                    time: t,
                    loglik: ll,
                    score: &score,
                    info: &info,
                });
            }
            i = j;
        }
    }
}

/// The full symmetric matrix of a lower triangle stored row-major.
pub(super) fn symmetric(tri: &[f64], p: usize) -> DMatrix<f64> {
    DMatrix::from_fn(p, p, |a, b| {
        if a >= b {
            tri[a * p + b]
        } else {
            tri[b * p + a]
        }
    })
}

/// Log partial likelihood, score and information at `beta`.
pub(super) fn evaluate(
    d: &Data,
    beta: &DVector<f64>,
    ties: Ties,
) -> (f64, DVector<f64>, DMatrix<f64>) {
    let p = beta.len();
    let (mut ll, mut u, mut imat) = (0.0, vec![0.0; p], vec![0.0; p * p]);
    scan(d, beta, ties, |term| {
        ll += term.loglik;
        for (a, b) in u.iter_mut().zip(term.score) {
            *a += b;
        }
        for (a, b) in imat.iter_mut().zip(term.info) {
            *a += b;
        }
    });
    (ll, DVector::from_vec(u), symmetric(&imat, p))
}

/// `exp(x_i' b)` for every row.
pub(super) fn risk_scores(x: &Rows, coef: &[f64]) -> Vec<f64> {
    (0..x.n)
        .map(|i| {
            x.row(i)
                .iter()
                .zip(coef)
                .map(|(a, b)| a * b)
                .sum::<f64>()
                .exp()
        })
        .collect()
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
    prepare_and_fit(time, event, columns, strata, None, ties).map(|(_, fit)| fit)
}

/// [`fit`] on rows that each stand for `counts[i]` identical patients
/// (same time, status and covariates): the same model as [`fit`] on the
/// patients themselves, since identical rows are merged into one with a
/// count anyway (see `Data`); only the covariates' centring means are
/// summed per row rather than per patient. Many models of one endpoint can
/// then share rows merged once (`n` and `events` count patients).
pub fn fit_counted(
    time: &[f64],
    event: &[bool],
    columns: &[Vec<f64>],
    counts: &[usize],
    ties: Ties,
) -> Result<CoxFit, StatsError> {
    counted_prepare_and_fit(time, event, columns, counts, ties).map(|(_, fit)| fit)
}

/// [`fit_counted`], with its prepared rows.
fn counted_prepare_and_fit(
    time: &[f64],
    event: &[bool],
    columns: &[Vec<f64>],
    counts: &[usize],
    ties: Ties,
) -> Result<(Data, CoxFit), StatsError> {
    let events = event
        .iter()
        .zip(counts)
        .filter(|(e, _)| **e)
        .map(|(_, &k)| k)
        .sum();
    if columns.is_empty() || events == 0 {
        return Err(StatsError::TooFewObservations {
            found: events,
            needed: 1,
        });
    }
    let data = prepare(time, event, columns, None, None, Some(counts));
    let fit = fit_prepared(&data, counts.iter().sum(), events, ties)?;
    Ok((data, fit))
}

/// [`fit_counted`] with the robust variance clustered on the patients the
/// rows stand for (as `coxph(..., cluster = g)` on the patients):
/// `patients` gives, in the patients' order, each one's row and cluster;
/// row i is listed `counts[i]` times. Estimates and variance equal
/// [`fit_robust`] on the patients, sum for sum.
pub fn fit_counted_robust(
    time: &[f64],
    event: &[bool],
    columns: &[Vec<f64>],
    counts: &[usize],
    ties: Ties,
    patients: &[(usize, usize)],
) -> Result<CoxFit, StatsError> {
    let (data, fit) = counted_prepare_and_fit(time, event, columns, counts, ties)?;
    let v = robust_variance_counted(&data, ties, &fit, patients);
    Ok(fit.with_robust_variance(v))
}

/// [`fit`] followed by [`robust_variance`] with `cluster` (as
/// `coxph(..., cluster = g)`), the rows prepared once for both.
pub fn fit_robust(
    time: &[f64],
    event: &[bool],
    columns: &[Vec<f64>],
    strata: Option<&[usize]>,
    ties: Ties,
    cluster: &[usize],
) -> Result<CoxFit, StatsError> {
    let (data, fit) = prepare_and_fit(time, event, columns, strata, None, ties)?;
    let v = robust_variance_prepared(&data, ties, &fit, cluster);
    Ok(fit.with_robust_variance(v))
}

/// A Cox model with case weights `weights` and the robust (sandwich)
/// variance, as `coxph(Surv(time, event) ~ x, weights = w, robust = TRUE)`
/// (each row its own cluster), or clustered on `cluster` (`cluster = g`).
///
/// Weights enter every risk-set sum (`S0 = sum w_i r_i`, ...) and the event
/// terms (`sum_D w_i x_i`); at a time with d tied events of total weight
/// `w_D`, Breslow's single stage weighs `w_D` and each of Efron's d stages
/// weighs `w_D / d` (R's `coxfit6.c`). The robust variance sums each row's
/// weighted dfbeta `w_i L_i I^-1` within clusters (Lin & Wei 1989; Binder
/// 1992, Biometrika 79:139). Unit weights give [`fit`]'s estimates exactly.
pub fn fit_weighted(
    time: &[f64],
    event: &[bool],
    columns: &[Vec<f64>],
    weights: &[f64],
    ties: Ties,
    cluster: Option<&[usize]>,
) -> Result<CoxFit, StatsError> {
    let (data, fit) = prepare_and_fit(time, event, columns, None, Some(weights), ties)?;
    let own: Vec<usize>;
    let cluster = match cluster {
        Some(c) => c,
        None => {
            own = (0..time.len()).collect();
            &own
        }
    };
    let v = robust_variance_prepared(&data, ties, &fit, cluster);
    Ok(fit.with_robust_variance(v))
}

/// The rows prepared (see [`prepare`]) and the model fitted on them.
pub(super) fn prepare_and_fit(
    time: &[f64],
    event: &[bool],
    columns: &[Vec<f64>],
    strata: Option<&[usize]>,
    case: Option<&[f64]>,
    ties: Ties,
) -> Result<(Data, CoxFit), StatsError> {
    let events = event.iter().filter(|&&e| e).count();
    if columns.is_empty() || events == 0 {
        return Err(StatsError::TooFewObservations {
            found: events,
            needed: 1,
        });
    }
    let data = prepare(time, event, columns, strata, case, None);
    let fit = fit_prepared(&data, time.len(), events, ties)?;
    Ok((data, fit))
}

/// [`fit`] on prepared rows: `n` input rows with `events` events.
pub(super) fn fit_prepared(
    data: &Data,
    n: usize,
    events: usize,
    ties: Ties,
) -> Result<CoxFit, StatsError> {
    let p = data.x.p;
    let mut beta = DVector::zeros(p);
    let (ll0, u0, i0) = evaluate(data, &beta, ties);
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
        let (newlk, u, imat) = evaluate(data, &newbeta, ties);
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
        let (ll, u, imat) = evaluate(data, &beta, ties);
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
    /// A model with one covariate whose coefficient is 0 (the null model), for
    /// baseline quantities without covariates.
    pub fn null(n: usize, events: usize) -> CoxFit {
        let zero = ChiSquareTest {
            statistic: 0.0,
            df: 1,
            p: 1.0,
        };
        CoxFit {
            coef: vec![0.0],
            var: vec![vec![0.0]],
            naive_var: None,
            se: vec![0.0],
            robust_se: None,
            z: vec![0.0],
            p: vec![1.0],
            loglik_null: 0.0,
            loglik: 0.0,
            lr_test: zero,
            wald_test: zero,
            score_test: zero,
            iterations: 0,
            converged: true,
            infinite: Vec::new(),
            n,
            events,
        }
    }

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
