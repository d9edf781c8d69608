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

/// The rows in processing order (by stratum, then decreasing time), copied
/// so that every pass reads memory sequentially. Rows identical in stratum,
/// time, status and every covariate are merged into one row with a count:
/// each sum over rows then adds `count` copies at once, which is the same
/// sum (only its rounding order differs), and Efron's stages still count
/// every tied event. Data with few distinct times and discrete covariates
/// (registries with times in days, factors coded as dummies) shrink to a
/// small fraction of their rows; data without repeats stay as they are.
struct Data {
    time: Vec<f64>,
    event: Vec<bool>,
    /// Rows merged into each row, and the same as f64.
    count: Vec<usize>,
    weight: Vec<f64>,
    x: Rows, // centred covariates
    strata: Vec<usize>,
    /// The merged row of each input row.
    row_of: Vec<usize>,
}

/// `s1 += r x`, `s2 += r x x'` (lower triangle of a p x p row-major array).
fn accumulate(s1: &mut [f64], s2: &mut [f64], x: &[f64], r: f64) {
    let p = x.len();
    for a in 0..p {
        let ra = r * x[a];
        s1[a] += ra;
        for (v, xb) in s2[a * p..a * p + a + 1].iter_mut().zip(x) {
            *v += ra * xb;
        }
    }
}

/// The stages of one event time with d tied events, as (f, weight): Breslow
/// one stage (0, d); Efron d stages (k / d, 1), k = 0..d-1. Each stage's
/// denominator is `S0 - f D0` (see the module documentation).
fn tie_stages(ties: Ties, deaths: usize) -> impl Iterator<Item = (f64, f64)> {
    let d = deaths as f64;
    let (stages, breslow) = match ties {
        Ties::Breslow => (usize::from(deaths > 0), true),
        Ties::Efron => (deaths, false),
    };
    (0..stages).map(move |k| {
        if breslow {
            (0.0, d)
        } else {
            (k as f64 / d, 1.0)
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
struct StageSums {
    log: f64,
    c1: f64,
    c2: f64,
    q0: f64,
    q1: f64,
    q2: f64,
}

impl StageSums {
    fn new(ties: Ties, deaths: usize, s0: f64, d0: f64) -> StageSums {
        let mut out = StageSums::default();
        // sum w log a = (sum w) log S0 + sum w log(a / S0); the ratios lie
        // in (0, 1] (Breslow's is exactly 1), so their product is taken and
        // its log added only when it nears underflow: one log per time
        // instead of one per tied event.
        let (mut product, mut weight) = (1.0, 0.0);
        for (f, w) in tie_stages(ties, deaths) {
            let a = s0 - f * d0;
            let (inv, inv2) = (w / a, w / (a * a));
            out.c1 += inv;
            out.c2 += f * inv;
            out.q0 += inv2;
            out.q1 += f * inv2;
            out.q2 += f * f * inv2;
            product *= a / s0;
            weight += w;
            if product < 1e-250 {
                out.log += product.ln();
                product = 1.0;
            }
        }
        out.log += product.ln() + weight * s0.ln();
        out
    }
}

/// Contributions of one event time: its log-likelihood term, score vector
/// and information (lower triangle of a p x p row-major array).
struct TimeTerm<'a> {
    /// The event time (used by the time-varying tests of [`zph`]).
    time: f64,
    loglik: f64,
    score: &'a [f64],
    info: &'a [f64],
}

/// Scans the risk sets at `beta` and calls `visit` once per event time with
/// that time's contributions. The sums are kept in flat arrays with no
/// allocation per row, so a pass over a million rows takes milliseconds per
/// covariate.
fn scan(d: &Data, beta: &DVector<f64>, ties: Ties, mut visit: impl FnMut(TimeTerm<'_>)) {
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
            let mut deaths = 0usize;
            let mut j = i;
            while j < n && d.strata[j] == stratum && d.time[j] == t {
                let w = d.weight[j];
                let r = eta[j].exp() * w;
                let xk = d.x.row(j);
                s0 += r;
                accumulate(&mut s1, &mut s2, xk, r);
                if d.event[j] {
                    deaths += d.count[j];
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
                let st = StageSums::new(ties, deaths, s0, d0);
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
fn symmetric(tri: &[f64], p: usize) -> DMatrix<f64> {
    DMatrix::from_fn(p, p, |a, b| {
        if a >= b {
            tri[a * p + b]
        } else {
            tri[b * p + a]
        }
    })
}

/// Log partial likelihood, score and information at `beta`.
fn evaluate(d: &Data, beta: &DVector<f64>, ties: Ties) -> (f64, DVector<f64>, DMatrix<f64>) {
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

/// Covariates by row, centred on their means (the partial likelihood does
/// not change, and exp(x'b) stays in range), and each row's stratum.
fn centred_rows(columns: &[Vec<f64>], strata: Option<&[usize]>, n: usize) -> (Rows, Vec<usize>) {
    let means = column_means(columns, n);
    let mut data = Vec::with_capacity(n * columns.len());
    for i in 0..n {
        data.extend(columns.iter().zip(&means).map(|(c, m)| c[i] - m));
    }
    (
        Rows {
            data,
            n,
            p: columns.len(),
        },
        strata.map_or_else(|| vec![0; n], <[usize]>::to_vec),
    )
}

/// The mean of each covariate column over its n rows.
fn column_means(columns: &[Vec<f64>], n: usize) -> Vec<f64> {
    columns
        .iter()
        .map(|c| c.iter().sum::<f64>() / n as f64)
        .collect()
}

/// The processing order: by stratum, then decreasing time, so that risk
/// sets grow as the scan goes back in time. Rows that arrive sorted by
/// increasing time within non-decreasing strata (the analysis sorts each
/// endpoint once) are walked backwards within each stratum in O(n) instead
/// of being sorted again; the order within tied times does not change the
/// sums at that time.
fn processing_order(time: &[f64], strata: Option<&[usize]>) -> Vec<usize> {
    let n = time.len();
    let stratum = |i: usize| strata.map_or(0, |s| s[i]);
    let ascending = (1..n).all(|i| {
        let (a, b) = (stratum(i - 1), stratum(i));
        a < b || (a == b && time[i - 1] <= time[i])
    });
    if ascending {
        let mut order = Vec::with_capacity(n);
        let mut start = 0;
        while start < n {
            let end = (start..n)
                .find(|&i| stratum(i) != stratum(start))
                .unwrap_or(n);
            order.extend((start..end).rev());
            start = end;
        }
        return order;
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        stratum(a)
            .cmp(&stratum(b))
            .then(time[b].total_cmp(&time[a]))
    });
    order
}

/// The rows in processing order (see [`processing_order`]), identical rows
/// merged (see [`Data`]).
fn prepare(time: &[f64], event: &[bool], columns: &[Vec<f64>], strata: Option<&[usize]>) -> Data {
    let order = processing_order(time, strata);
    let n = time.len();
    let p = columns.len();
    let stratum = |i: usize| strata.map_or(0, |s| s[i]);
    let means = column_means(columns, n);
    let mut d = Data {
        time: Vec::new(),
        event: Vec::new(),
        count: Vec::new(),
        weight: Vec::new(),
        x: Rows {
            data: Vec::new(),
            n: 0,
            p,
        },
        strata: Vec::new(),
        row_of: vec![0; n],
    };
    // Each merged row's covariates as given (compared exactly; the centred
    // copy in `d.x` may round two different values alike), and the previous
    // merged row of the same time with the same hash.
    let (mut keys, mut chain): (Vec<f64>, Vec<usize>) = (Vec::new(), Vec::new());
    let mut latest = Latest::new();
    let mut k = 0;
    while k < n {
        let i0 = order[k];
        let mut end = k + 1;
        while end < n && time[order[end]] == time[i0] && stratum(order[end]) == stratum(i0) {
            end += 1;
        }
        latest.reset(end - k);
        for &i in &order[k..end] {
            // Rows of a time block are compared only when it has more than one.
            let hash = if end - k > 1 {
                row_hash(event[i], columns, i)
            } else {
                0
            };
            let same = |m: usize| {
                d.event[m] == event[i]
                    && keys[m * p..(m + 1) * p]
                        .iter()
                        .zip(columns)
                        .all(|(k, c)| *k == c[i])
            };
            let mut m = latest.get(hash).unwrap_or(usize::MAX);
            while m != usize::MAX && !same(m) {
                m = chain[m];
            }
            if m == usize::MAX {
                m = d.time.len();
                chain.push(latest.insert(hash, m).unwrap_or(usize::MAX));
                keys.extend(columns.iter().map(|c| c[i]));
                d.time.push(time[i]);
                d.event.push(event[i]);
                d.count.push(0);
                d.strata.push(stratum(i));
                d.x.data
                    .extend(columns.iter().zip(&means).map(|(c, mean)| c[i] - mean));
            }
            d.count[m] += 1;
            d.row_of[i] = m;
        }
        k = end;
    }
    d.x.n = d.time.len();
    d.weight = d.count.iter().map(|&c| c as f64).collect();
    d
}

/// FxHash-style mix of a row's status and covariate bits (only used to
/// find candidate duplicates; equality is then checked exactly).
fn row_hash(event: bool, columns: &[Vec<f64>], i: usize) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = u64::from(event).wrapping_mul(K);
    for c in columns {
        h = (h.rotate_left(5) ^ c[i].to_bits()).wrapping_mul(K);
    }
    h
}

/// The latest merged row of each row hash within one time block: an
/// open-addressing table that is emptied in O(1) per block by a stamp
/// (blocks are many and mostly small, so clearing a map per block, or
/// hashing its keys again, cost more than the merge itself).
struct Latest {
    slots: Vec<Slot>,
    now: u32,
    shift: u32,
}

/// One entry of [`Latest`], its fields side by side so that a probe reads
/// one cache line.
#[derive(Clone, Copy, Default)]
struct Slot {
    hash: u64,
    row: usize,
    stamp: u32,
}

impl Latest {
    fn new() -> Latest {
        Latest {
            slots: Vec::new(),
            now: 0,
            shift: 64,
        }
    }

    /// Empties the table, sized for `rows` keys (at most half full).
    fn reset(&mut self, rows: usize) {
        let size = (2 * rows).next_power_of_two().max(8);
        if size > self.slots.len() || self.now == u32::MAX {
            let size = size.max(self.slots.len());
            self.slots = vec![Slot::default(); size];
            self.now = 0;
            self.shift = 64 - size.trailing_zeros();
        }
        self.now += 1;
    }

    /// The slot of `hash`, or the empty slot where it would go. The high bits
    /// pick the start: they are the well-mixed ones of a multiplicative hash.
    fn slot(&self, hash: u64) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = (hash >> self.shift) as usize;
        while self.slots[i].stamp == self.now && self.slots[i].hash != hash {
            i = (i + 1) & mask;
        }
        i
    }

    fn get(&self, hash: u64) -> Option<usize> {
        let s = self.slots[self.slot(hash)];
        (s.stamp == self.now).then_some(s.row)
    }

    /// Sets the row of `hash`, returning the one it replaces.
    fn insert(&mut self, hash: u64, row: usize) -> Option<usize> {
        let i = self.slot(hash);
        let old = (self.slots[i].stamp == self.now).then_some(self.slots[i].row);
        self.slots[i] = Slot {
            hash,
            row,
            stamp: self.now,
        };
        old
    }
}

/// `exp(x_i' b)` for every row.
fn risk_scores(x: &Rows, coef: &[f64]) -> Vec<f64> {
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

/// An n x p matrix stored by row in one allocation.
struct Rows {
    data: Vec<f64>,
    n: usize,
    p: usize,
}

impl Rows {
    fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.p..(i + 1) * self.p]
    }
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
    prepare_and_fit(time, event, columns, strata, ties).map(|(_, fit)| fit)
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
    let (data, fit) = prepare_and_fit(time, event, columns, strata, ties)?;
    let v = robust_variance_prepared(&data, ties, &fit, cluster);
    Ok(fit.with_robust_variance(v))
}

/// The rows prepared (see [`prepare`]) and the model fitted on them.
fn prepare_and_fit(
    time: &[f64],
    event: &[bool],
    columns: &[Vec<f64>],
    strata: Option<&[usize]>,
    ties: Ties,
) -> Result<(Data, CoxFit), StatsError> {
    let events = event.iter().filter(|&&e| e).count();
    if columns.is_empty() || events == 0 {
        return Err(StatsError::TooFewObservations {
            found: events,
            needed: 1,
        });
    }
    let data = prepare(time, event, columns, strata);
    let fit = fit_prepared(&data, time.len(), events, ties)?;
    Ok((data, fit))
}

/// [`fit`] on prepared rows: `n` input rows with `events` events.
fn fit_prepared(data: &Data, n: usize, events: usize, ties: Ties) -> Result<CoxFit, StatsError> {
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
    let d = prepare(time, event, columns, strata);
    robust_variance_prepared(&d, ties, fit, cluster)
}

/// [`robust_variance`] on prepared rows.
fn robust_variance_prepared(
    d: &Data,
    ties: Ties,
    fit: &CoxFit,
    cluster: &[usize],
) -> Vec<Vec<f64>> {
    let p = d.x.p;
    let n = d.time.len();
    let r = risk_scores(&d.x, &fit.coef);
    let mut resid = vec![0.0; n * p];
    // Per distinct time of a stratum (in processing order, i.e. decreasing
    // time): its rows, dLambda and xbar dLambda for rows at risk without an
    // event there (`all`) and with one (`dead`), and the mean of the event
    // rows' stage means.
    struct Step {
        rows: std::ops::Range<usize>,
        dl_all: f64,
        dl_dead: f64,
    }
    let mut steps: Vec<Step> = Vec::new();
    let (mut db_all, mut db_dead, mut mean_dead) = (Vec::new(), Vec::new(), Vec::new());
    let (mut s1, mut d1) = (vec![0.0; p], vec![0.0; p]);
    let mut i = 0;
    while i < n {
        let stratum = d.strata[i];
        let first = steps.len();
        let mut s0 = 0.0;
        s1.iter_mut().for_each(|v| *v = 0.0);
        // Going back in time: the risk set of each time is everything so far.
        while i < n && d.strata[i] == stratum {
            let t = d.time[i];
            let start = i;
            let (mut d0, mut deaths) = (0.0, 0usize);
            d1.iter_mut().for_each(|v| *v = 0.0);
            while i < n && d.strata[i] == stratum && d.time[i] == t {
                let xk = d.x.row(i);
                let rw = r[i] * d.weight[i];
                s0 += rw;
                for (s, xj) in s1.iter_mut().zip(xk) {
                    *s += rw * xj;
                }
                if d.event[i] {
                    deaths += d.count[i];
                    d0 += rw;
                    for (s, xj) in d1.iter_mut().zip(xk) {
                        *s += rw * xj;
                    }
                }
                i += 1;
            }
            let base = db_all.len();
            db_all.resize(base + p, 0.0);
            db_dead.resize(base + p, 0.0);
            mean_dead.resize(base + p, 0.0);
            // Stage k weighs a row with an event there by 1 - f_k; see
            // [`StageSums`] for the sums over the stages.
            let st = StageSums::new(ties, deaths, s0, d0);
            let dd = deaths as f64;
            let (dl_all, dl_dead) = (st.c1, st.c1 - st.c2);
            for j in 0..p {
                let (s1j, d1j) = (s1[j], d1[j]);
                db_all[base + j] = s1j * st.q0 - d1j * st.q1;
                db_dead[base + j] = s1j * (st.q0 - st.q1) - d1j * (st.q1 - st.q2);
                mean_dead[base + j] = (s1j * st.c1 - d1j * st.c2) / dd;
            }
            steps.push(Step {
                rows: start..i,
                dl_all,
                dl_dead,
            });
        }
        // Forward in time: running sums of dLambda and xbar dLambda.
        let (mut lam, mut bsum) = (0.0, vec![0.0; p]);
        for (s, step) in steps.iter().enumerate().skip(first).rev() {
            let o = s * p;
            for k in step.rows.clone() {
                let (dl, db) = if d.event[k] {
                    (step.dl_dead, &db_dead[o..o + p])
                } else {
                    (step.dl_all, &db_all[o..o + p])
                };
                let xk = d.x.row(k);
                for j in 0..p {
                    let comp = r[k] * (xk[j] * (lam + dl) - (bsum[j] + db[j]));
                    let death = if d.event[k] {
                        xk[j] - mean_dead[o + j]
                    } else {
                        0.0
                    };
                    resid[k * p + j] = death - comp;
                }
            }
            lam += step.dl_all;
            for j in 0..p {
                bsum[j] += db_all[o + j];
            }
        }
    }
    // dfbeta = L V, summed within clusters (in increasing cluster id).
    // Merged rows share their residual; each input row adds it to its cluster.
    let mut dfb = vec![0.0; n * p];
    for k in 0..n {
        for a in 0..p {
            dfb[k * p + a] = (0..p).map(|b| resid[k * p + b] * fit.var[b][a]).sum();
        }
    }
    let mut sums = ClusterSums::new(cluster, p);
    for (i, &k) in d.row_of.iter().enumerate() {
        sums.add(cluster[i], &dfb[k * p..(k + 1) * p]);
    }
    let mut v = vec![vec![0.0; p]; p];
    sums.for_each(|g| {
        for a in 0..p {
            for b in 0..p {
                v[a][b] += g[a] * g[b];
            }
        }
    });
    v
}

/// Per-cluster sums of p-vectors, visited in increasing cluster id: a dense
/// table when the ids are small (matched pairs are numbered 0..n), a tree
/// otherwise.
enum ClusterSums {
    Dense {
        p: usize,
        sums: Vec<f64>,
        used: Vec<bool>,
    },
    Sparse {
        p: usize,
        sums: std::collections::BTreeMap<usize, Vec<f64>>,
    },
}

impl ClusterSums {
    fn new(cluster: &[usize], p: usize) -> ClusterSums {
        let max = cluster.iter().copied().max().unwrap_or(0);
        if max <= 4 * cluster.len() {
            ClusterSums::Dense {
                p,
                sums: vec![0.0; (max + 1) * p],
                used: vec![false; max + 1],
            }
        } else {
            ClusterSums::Sparse {
                p,
                sums: std::collections::BTreeMap::new(),
            }
        }
    }

    fn add(&mut self, id: usize, x: &[f64]) {
        match self {
            ClusterSums::Dense { p, sums, used } => {
                used[id] = true;
                for (s, v) in sums[id * *p..(id + 1) * *p].iter_mut().zip(x) {
                    *s += v;
                }
            }
            ClusterSums::Sparse { p, sums } => {
                let g = sums.entry(id).or_insert_with(|| vec![0.0; *p]);
                for (s, v) in g.iter_mut().zip(x) {
                    *s += v;
                }
            }
        }
    }

    fn for_each(&self, mut visit: impl FnMut(&[f64])) {
        match self {
            ClusterSums::Dense { p, sums, used } => {
                for (id, _) in used.iter().enumerate().filter(|(_, u)| **u) {
                    visit(&sums[id * p..(id + 1) * p]);
                }
            }
            ClusterSums::Sparse { sums, .. } => sums.values().for_each(|g| visit(g)),
        }
    }
}

/// Time transform of [`zph`]: the g(t) of the alternative
/// `beta(t) = beta + theta g(t)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZphTransform {
    /// `1 - S(t-)`, S the Kaplan-Meier curve of all rows (R's default).
    Km,
    /// t itself.
    Identity,
    /// The rank of t among all rows (average ranks for ties).
    Rank,
}

/// Proportional-hazards tests of R's `cox.zph` (survival >= 3.0): for each
/// term a score test of `theta = 0` in the model with extra covariates
/// `x g(t)`, `g = transform - mean(transform over events)`, at the fitted
/// beta (Therneau & Grambsch 2000, sec. 6.2; survival 3.0 NEWS). Per event
/// time t with score contribution `s_t` and information `I_t`:
/// `U_theta = sum g_t s_t`, and the information of `(beta, theta)` has blocks
/// `sum I_t`, `sum g_t I_t`, `sum g_t^2 I_t`. The test of a term with columns
/// J is `u' I_[beta,J]^-1 u` with `u = (0, U_theta[J])`, df = |J|; GLOBAL uses
/// every column.
pub struct Zph {
    /// One test per term, in the order of `terms`.
    pub terms: Vec<ChiSquareTest>,
    /// The joint test.
    pub global: ChiSquareTest,
}

/// Runs the tests of [`Zph`] for a fitted model; `terms` groups the design
/// columns (a factor's dummies form one term).
#[allow(clippy::too_many_arguments)]
pub fn zph(
    time: &[f64],
    event: &[bool],
    columns: &[Vec<f64>],
    strata: Option<&[usize]>,
    ties: Ties,
    fit: &CoxFit,
    transform: ZphTransform,
    terms: &[Vec<usize>],
) -> Result<Zph, StatsError> {
    let p = columns.len();
    let n = time.len();
    // g(t) as a function of time, then centred on its mean over events.
    let tt: Box<dyn Fn(f64) -> f64> = match transform {
        ZphTransform::Identity => Box::new(|t| t),
        ZphTransform::Rank => {
            let mut sorted = time.to_vec();
            sorted.sort_by(f64::total_cmp);
            Box::new(move |t| {
                let lo = sorted.partition_point(|&x| x < t);
                let hi = sorted.partition_point(|&x| x <= t);
                (lo + hi + 1) as f64 / 2.0
            })
        }
        ZphTransform::Km => {
            let km = super::kaplan_meier::fit(time, event);
            Box::new(move |t| {
                let k = km.time.partition_point(|&x| x < t);
                1.0 - if k == 0 { 1.0 } else { km.surv[k - 1] }
            })
        }
    };
    let events: Vec<f64> = (0..n).filter(|&i| event[i]).map(|i| tt(time[i])).collect();
    if events.is_empty() {
        return Err(StatsError::TooFewObservations {
            found: 0,
            needed: 1,
        });
    }
    let gbar = events.iter().sum::<f64>() / events.len() as f64;
    let data = prepare(time, event, columns, strata);
    let beta = DVector::from_column_slice(&fit.coef);
    let q = 2 * p;
    let mut big = DMatrix::<f64>::zeros(q, q);
    let mut u_theta = vec![0.0; p];
    scan(&data, &beta, ties, |term| {
        let g = tt(term.time) - gbar;
        let info = symmetric(term.info, p);
        for a in 0..p {
            u_theta[a] += g * term.score[a];
            for b in 0..p {
                let v = info[(a, b)];
                big[(a, b)] += v;
                big[(a, p + b)] += g * v;
                big[(p + a, b)] += g * v;
                big[(p + a, p + b)] += g * g * v;
            }
        }
    });
    let test = |cols: &[usize]| -> Result<ChiSquareTest, StatsError> {
        let kk: Vec<usize> = (0..p).chain(cols.iter().map(|j| p + j)).collect();
        let m = DMatrix::from_fn(kk.len(), kk.len(), |a, b| big[(kk[a], kk[b])]);
        let u = DVector::from_iterator(
            kk.len(),
            (0..p).map(|_| 0.0).chain(cols.iter().map(|&j| u_theta[j])),
        );
        let x = m.lu().solve(&u).ok_or(StatsError::Singular)?;
        Ok(chi2(u.dot(&x), cols.len()))
    };
    let term_tests = terms
        .iter()
        .map(|cols| test(cols))
        .collect::<Result<Vec<_>, _>>()?;
    let all: Vec<usize> = (0..p).collect();
    Ok(Zph {
        terms: term_tests,
        global: test(&all)?,
    })
}

/// Baseline cumulative hazard of a fitted model at each distinct event time
/// (all strata pooled; rows with covariates at their means), as R's
/// `survfit(coxph(...))`: Breslow increments `d / sum r_i`, or with Efron
/// ties `sum_k 1 / (S0 - (k/d) D0)`. With no covariates and Breslow ties it
/// is the Nelson-Aalen estimate. Returns (time, cumulative hazard) pairs in
/// ascending time.
pub fn baseline_cumhaz(
    time: &[f64],
    event: &[bool],
    columns: &[Vec<f64>],
    ties: Ties,
    fit: &CoxFit,
) -> Vec<(f64, f64)> {
    let n = time.len();
    let (x, _) = centred_rows(columns, None, n);
    let r = risk_scores(&x, &fit.coef);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| time[b].total_cmp(&time[a]));
    // Scan backwards for the risk sets, then accumulate forwards.
    let mut steps: Vec<(f64, f64)> = Vec::new();
    let mut s0 = 0.0;
    let mut i = 0;
    while i < n {
        let t = time[order[i]];
        let (mut d0, mut d) = (0.0, 0usize);
        while i < n && time[order[i]] == t {
            let k = order[i];
            s0 += r[k];
            if event[k] {
                d0 += r[k];
                d += 1;
            }
            i += 1;
        }
        if d > 0 {
            steps.push((t, StageSums::new(ties, d, s0, d0).c1));
        }
    }
    steps.reverse();
    let mut h = 0.0;
    steps
        .into_iter()
        .map(|(t, step)| {
            h += step;
            (t, h)
        })
        .collect()
}

/// Wald test of the coefficients `cols` jointly being 0, with the fit's
/// variance (robust when set): `b_J' V_JJ^-1 b_J`, df = |J|.
pub fn wald_subset(fit: &CoxFit, cols: &[usize]) -> Option<ChiSquareTest> {
    let k = cols.len();
    let v = DMatrix::from_fn(k, k, |a, b| fit.var[cols[a]][cols[b]]);
    let b = DVector::from_iterator(k, cols.iter().map(|&j| fit.coef[j]));
    let x = v.lu().solve(&b)?;
    Some(chi2(b.dot(&x), k))
}

/// Likelihood-ratio test of nested models: `2 (l_full - l_reduced)` on the
/// difference in parameters.
pub fn lr_test(loglik_full: f64, loglik_reduced: f64, df: usize) -> ChiSquareTest {
    chi2((2.0 * (loglik_full - loglik_reduced)).max(0.0), df)
}
