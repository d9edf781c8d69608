//! The robust (sandwich) variance of a Cox fit, clustered: Lin & Wei
//! (1989) score residuals summed per cluster, `V = I^-1 B I^-1`, as R's
//! `coxph(..., cluster = )`.

use super::*;

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
    let d = prepare(time, event, columns, strata, None, None);
    robust_variance_prepared(&d, ties, fit, cluster)
}

/// [`robust_variance`] on prepared rows.
pub(super) fn robust_variance_prepared(
    d: &Data,
    ties: Ties,
    fit: &CoxFit,
    cluster: &[usize],
) -> Vec<Vec<f64>> {
    let p = d.x.p;
    let dfb = dfbeta(d, ties, fit);
    let mut sums = ClusterSums::new(cluster, p);
    // A weighted fit's dfbeta of a row is its case weight times the
    // residual (R's `residuals(fit, "dfbeta", weighted = TRUE)`).
    match &d.case {
        None => {
            for (i, &k) in d.row_of.iter().enumerate() {
                sums.add(cluster[i], &dfb[k * p..(k + 1) * p]);
            }
        }
        Some(w) => {
            let mut row = vec![0.0; p];
            for (i, &k) in d.row_of.iter().enumerate() {
                for (a, v) in row.iter_mut().zip(&dfb[k * p..(k + 1) * p]) {
                    *a = w[i] * v;
                }
                sums.add(cluster[i], &row);
            }
        }
    }
    sums.outer()
}

/// [`robust_variance`] of a fit on counted rows (each standing for
/// `counts[i]` alike patients; see [`super::fit_counted`]), clustered on
/// the patients: `patients` lists, in the patients' order, each one's row
/// and cluster. Alike patients share their dfbeta residual, so each adds
/// its row's residual to its own cluster: the sums, and the order in which
/// they are taken, are those of the fit on the patients themselves.
pub(super) fn robust_variance_counted(
    d: &Data,
    ties: Ties,
    fit: &CoxFit,
    patients: &[(usize, usize)],
) -> Vec<Vec<f64>> {
    let p = d.x.p;
    let dfb = dfbeta(d, ties, fit);
    let clusters: Vec<usize> = patients.iter().map(|&(_, g)| g).collect();
    let mut sums = ClusterSums::new(&clusters, p);
    for &(row, g) in patients {
        let k = d.row_of[row];
        sums.add(g, &dfb[k * p..(k + 1) * p]);
    }
    sums.outer()
}

/// Each prepared row's dfbeta residual `L_i V` (p values a row; see
/// [`robust_variance`] for `L_i`).
fn dfbeta(d: &Data, ties: Ties, fit: &CoxFit) -> Vec<f64> {
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
            let (mut d0, mut deaths, mut wd) = (0.0, 0usize, 0.0);
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
                    wd += d.weight[i];
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
            let st = StageSums::new(ties, deaths, wd, s0, d0);
            // The stages' mean of the event rows' means: each stage weighs
            // wd / d (see [`tie_stages`]), so their sum over wd.
            let dd = wd;
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
    // dfbeta = L V; the callers sum it within clusters. Merged rows share
    // their residual; each input row adds it to its cluster.
    let mut dfb = vec![0.0; n * p];
    for k in 0..n {
        for a in 0..p {
            dfb[k * p + a] = (0..p).map(|b| resid[k * p + b] * fit.var[b][a]).sum();
        }
    }
    dfb
}

/// Per-cluster sums of p-vectors, visited in increasing cluster id: a dense
/// table when the ids are small (matched pairs are numbered 0..n), a tree
/// otherwise.
pub(super) enum ClusterSums {
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
    pub(super) fn new(cluster: &[usize], p: usize) -> ClusterSums {
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

    pub(super) fn add(&mut self, id: usize, x: &[f64]) {
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

    /// `D' D`: the sum over the clusters (in increasing id) of each
    /// cluster sum's outer product.
    pub(super) fn outer(&self) -> Vec<Vec<f64>> {
        let p = match self {
            ClusterSums::Dense { p, .. } | ClusterSums::Sparse { p, .. } => *p,
        };
        let mut v = vec![vec![0.0; p]; p];
        self.for_each(|g| {
            for a in 0..p {
                for b in 0..p {
                    v[a][b] += g[a] * g[b];
                }
            }
        });
        v
    }

    pub(super) fn for_each(&self, mut visit: impl FnMut(&[f64])) {
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
