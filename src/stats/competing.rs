//! Cumulative incidence with competing risks: the Aalen-Johansen estimator,
//! as survival's multi-state `survfit(Surv(time, factor(status)) ~ 1)`
//! computes it, with its infinitesimal-jackknife standard error (the
//! default for multi-state curves).
//!
//! With `S` the all-cause Kaplan-Meier curve and, at each distinct time s,
//! `Y(s)` at risk and `dN_j(s)` events of cause j:
//! `F_j(t) = sum_{s <= t} S(s-) dN_j(s) / Y(s)` (Aalen & Johansen 1978;
//! Putter, Fiocco & Geskus 2007, Stat Med 26:2389). Without competing
//! events `F_1 = 1 - S`; the causes' incidences and S sum to 1.
//!
//! The influence of patient k on `F_j(t)` (the derivative with respect to
//! their case weight) is `P_j(t)` while they are at risk and
//! `P_j(T_k) + [cause_k = j] S(T_k-) / Y(T_k) + c_k (F_j(t) - F_j(T_k))`
//! after they leave at `T_k`, with
//! `P_j(u) = sum_{s <= u} S(s-) h_j(s) (A(s-) - 1 / Y(s))`, `h_j = dN_j / Y`,
//! `A(u) = sum_{s <= u} dN / (Y (Y - dN))` (all causes) and
//! `c_k = A(T_k) - [event_k] / (Y(T_k) - dN(T_k))`, the patient's
//! all-cause Kaplan-Meier influence (see `weighted_km.rs`). The variance is
//! the sum of their squares, kept as running sums so that one pass in time
//! order suffices.

/// The cumulative incidence curves of every cause: one row per distinct
/// time (events and censorings).
#[derive(Debug, Clone, PartialEq)]
pub struct CumulativeIncidence {
    /// Distinct times, ascending.
    pub time: Vec<f64>,
    /// Patients at risk just before each time.
    pub n_risk: Vec<usize>,
    /// All-cause survival after each time.
    pub surv: Vec<f64>,
    /// `cif[j][i]`: the incidence of cause j + 1 by `time[i]`.
    pub cif: Vec<Vec<f64>>,
    /// Its infinitesimal-jackknife standard error.
    pub std_err: Vec<Vec<f64>>,
}

/// Fits the incidence of causes `1..=causes` from `time` and `cause` (0 =
/// censored, j = an event of cause j).
pub fn aalen_johansen(time: &[f64], cause: &[u8], causes: usize) -> CumulativeIncidence {
    aalen_johansen_weighted(time, cause, causes, None)
}

/// [`aalen_johansen`] with case weights: every count is a sum of weights
/// and patient k's influence is `w_k` times the unweighted form, as
/// `survfit(..., weights = w)` computes it (the multi-state SE is always
/// the infinitesimal jackknife's).
pub fn aalen_johansen_weighted(
    time: &[f64],
    cause: &[u8],
    causes: usize,
    weights: Option<&[f64]>,
) -> CumulativeIncidence {
    let w = |k: usize| weights.map_or(1.0, |w| w[k]);
    let order = super::stable_order(time.len(), |a, b| time[a].total_cmp(&time[b]));
    let n = order.len();
    // Weighted numbers at risk (and squared weights) from each position on,
    // summed from the last time back as R does.
    let (mut after, mut after2) = (vec![0.0; n + 1], vec![0.0; n + 1]);
    for i in (0..n).rev() {
        let wk = w(order[i]);
        after[i] = after[i + 1] + wk;
        after2[i] = after2[i + 1] + wk * wk;
    }
    let mut out = CumulativeIncidence {
        time: Vec::new(),
        n_risk: Vec::new(),
        surv: Vec::new(),
        cif: vec![Vec::new(); causes],
        std_err: vec![Vec::new(); causes],
    };
    let (mut s, mut a) = (1.0, 0.0);
    let mut f = vec![0.0; causes];
    let mut p = vec![0.0; causes];
    // Over the patients who have left: sums of alpha^2, alpha c, c^2 per
    // cause (each already times the patient's weight).
    let mut sums = vec![[0.0f64; 3]; causes];
    let mut i = 0;
    while i < n {
        let t = time[order[i]];
        let end = (i..n).find(|&j| time[order[j]] != t).unwrap_or(n);
        let rows = &order[i..end];
        let y = after[i];
        let mut dn_j = vec![0.0; causes];
        for &k in rows {
            if let Some(d) = (cause[k] as usize)
                .checked_sub(1)
                .and_then(|j| dn_j.get_mut(j))
            {
                *d += w(k);
            }
        }
        let dn: f64 = dn_j.iter().sum();
        let (s_before, a_before) = (s, a);
        for j in 0..causes {
            let h = dn_j[j] / y;
            p[j] += s_before * h * (a_before - 1.0 / y);
            f[j] += s_before * h;
        }
        // Once S is 0 no incidence grows again: no slope ever acts.
        let (jump, ended) = if dn > 0.0 {
            s *= 1.0 - dn / y;
            a += dn / (y * (y - dn));
            (1.0 / (y - dn), y == dn)
        } else {
            (0.0, false)
        };
        // The patients leaving now: their fixed part (alpha) and slope (c).
        for &k in rows {
            let wk = w(k);
            let c = if ended {
                0.0
            } else {
                a - if cause[k] > 0 { jump } else { 0.0 }
            };
            for j in 0..causes {
                let own = if cause[k] as usize == j + 1 {
                    s_before / y
                } else {
                    0.0
                };
                let (alpha, slope) = (wk * (p[j] + own - c * f[j]), wk * c);
                sums[j][0] += alpha * alpha;
                sums[j][1] += alpha * slope;
                sums[j][2] += slope * slope;
            }
        }
        out.time.push(t);
        out.n_risk.push(n - i);
        out.surv.push(s);
        for j in 0..causes {
            let var = after2[end] * p[j] * p[j]
                + sums[j][0]
                + 2.0 * f[j] * sums[j][1]
                + f[j] * f[j] * sums[j][2];
            out.cif[j].push(f[j]);
            out.std_err[j].push(var.max(0.0).sqrt());
        }
        i = end;
    }
    out
}
