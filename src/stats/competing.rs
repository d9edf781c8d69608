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
    let wk = Walk::new(time, cause, causes, weights);
    let mut out = CumulativeIncidence {
        time: wk.time.clone(),
        n_risk: wk.n_risk.clone(),
        surv: wk.surv.clone(),
        cif: (0..causes)
            .map(|j| wk.f.iter().map(|f| f[j]).collect())
            .collect(),
        std_err: vec![Vec::new(); causes],
    };
    // Over the patients who have left: sums of alpha^2, alpha c, c^2 per
    // cause (each times the patient's weight).
    let mut sums = vec![[0.0f64; 3]; causes];
    for (b, range) in wk.blocks.iter().enumerate() {
        for k in range.clone() {
            let slope = wk.w[k] * wk.c[k];
            for (j, sum) in sums.iter_mut().enumerate() {
                let alpha = wk.w[k] * wk.alpha[k][j];
                sum[0] += alpha * alpha;
                sum[1] += alpha * slope;
                sum[2] += slope * slope;
            }
        }
        for (j, sum) in sums.iter().enumerate() {
            let (p, f) = (wk.p[b][j], wk.f[b][j]);
            let var = wk.after2[range.end] * p * p + sum[0] + 2.0 * f * sum[1] + f * f * sum[2];
            out.std_err[j].push(var.max(0.0).sqrt());
        }
    }
    out
}

/// The restricted mean time lost to cause `j` (1-based) by `tau`, the area
/// under its incidence (Andersen 2013, Stat Med 32:5017), with its
/// infinitesimal-jackknife SE: patient k's influence on the area is
/// `w_k [IP(min(T_k, tau)) + (T_k < tau) (alpha_k (tau - T_k) + c_k (IF(tau) - IF(T_k)))]`,
/// `IP`, `IF` the integrals of `P_j` and `F_j` from 0 (module documentation).
/// Returns (estimate, SE).
pub fn restricted_mean_lost(
    time: &[f64],
    cause: &[u8],
    causes: usize,
    j: usize,
    tau: f64,
    weights: Option<&[f64]>,
) -> (f64, f64) {
    let wk = Walk::new(time, cause, causes, weights);
    let j = j - 1;
    // Integrals of P and F (right-continuous steps) up to each block time.
    let (mut ip, mut if_, mut last, mut pv, mut fv) = (0.0, 0.0, 0.0f64, 0.0, 0.0);
    let mut at = Vec::with_capacity(wk.time.len());
    for (b, &t) in wk.time.iter().enumerate() {
        let step = t.min(tau) - last.min(tau);
        ip += pv * step;
        if_ += fv * step;
        last = t;
        (pv, fv) = (wk.p[b][j], wk.f[b][j]);
        at.push((ip, if_));
    }
    let step = tau - last.min(tau);
    let (ip_tau, if_tau) = (ip + pv * step.max(0.0), if_ + fv * step.max(0.0));
    let mut var = 0.0;
    for (b, range) in wk.blocks.iter().enumerate() {
        let t = wk.time[b];
        let (ip_t, if_t) = at[b];
        for k in range.clone() {
            let infl = if t < tau {
                ip_t + wk.alpha[k][j] * (tau - t) + wk.c[k] * (if_tau - if_t)
            } else {
                ip_tau
            };
            var += (wk.w[k] * infl).powi(2);
        }
    }
    (if_tau, var.sqrt())
}

/// One pass of the estimator in time order: per distinct time the curves
/// and `P_j`, per patient (in time order) the fixed part `alpha` and the
/// slope `c` of their influence once they leave (unweighted), and the
/// weighted numbers at risk.
struct Walk {
    time: Vec<f64>,
    n_risk: Vec<usize>,
    surv: Vec<f64>,
    /// Per time, per cause: the incidence and `P_j`.
    f: Vec<Vec<f64>>,
    p: Vec<Vec<f64>>,
    /// The positions (in time order) of each time's patients.
    blocks: Vec<std::ops::Range<usize>>,
    /// Per position: weight, alpha per cause, slope.
    w: Vec<f64>,
    alpha: Vec<Vec<f64>>,
    c: Vec<f64>,
    /// Sum of squared weights from each position on.
    after2: Vec<f64>,
}

impl Walk {
    fn new(time: &[f64], cause: &[u8], causes: usize, weights: Option<&[f64]>) -> Walk {
        let order = super::stable_order(time.len(), |a, b| time[a].total_cmp(&time[b]));
        let n = order.len();
        let w: Vec<f64> = order
            .iter()
            .map(|&k| weights.map_or(1.0, |w| w[k]))
            .collect();
        // Weighted numbers at risk (and squared weights) from each position
        // on, summed from the last time back as R does.
        let (mut after, mut after2) = (vec![0.0; n + 1], vec![0.0; n + 1]);
        for i in (0..n).rev() {
            after[i] = after[i + 1] + w[i];
            after2[i] = after2[i + 1] + w[i] * w[i];
        }
        let mut wk = Walk {
            time: Vec::new(),
            n_risk: Vec::new(),
            surv: Vec::new(),
            f: Vec::new(),
            p: Vec::new(),
            blocks: Vec::new(),
            w,
            alpha: vec![Vec::new(); n],
            c: vec![0.0; n],
            after2,
        };
        let (mut s, mut a) = (1.0, 0.0);
        let (mut f, mut p) = (vec![0.0; causes], vec![0.0; causes]);
        let mut i = 0;
        while i < n {
            let t = time[order[i]];
            let end = (i..n).find(|&j| time[order[j]] != t).unwrap_or(n);
            let y = after[i];
            let mut dn_j = vec![0.0; causes];
            for (pos, &k) in order.iter().enumerate().take(end).skip(i) {
                if let Some(d) = (cause[k] as usize)
                    .checked_sub(1)
                    .and_then(|j| dn_j.get_mut(j))
                {
                    *d += wk.w[pos];
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
            for (pos, &k) in order.iter().enumerate().take(end).skip(i) {
                let c = if ended {
                    0.0
                } else {
                    a - if cause[k] > 0 { jump } else { 0.0 }
                };
                wk.c[pos] = c;
                wk.alpha[pos] = (0..causes)
                    .map(|j| {
                        let own = if cause[k] as usize == j + 1 {
                            s_before / y
                        } else {
                            0.0
                        };
                        p[j] + own - c * f[j]
                    })
                    .collect();
            }
            wk.time.push(t);
            wk.n_risk.push(n - i);
            wk.surv.push(s);
            wk.f.push(f.clone());
            wk.p.push(p.clone());
            wk.blocks.push(i..end);
            i = end;
        }
        wk
    }
}
