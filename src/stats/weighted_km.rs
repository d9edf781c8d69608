//! The Kaplan-Meier estimator with case weights and its
//! infinitesimal-jackknife (robust) standard error, as R's
//! `survfit(Surv(time, status) ~ 1, weights = w)` gives for weights that
//! are not all integers (survival 3.5: `robust` defaults to TRUE then, and
//! `std.err` is the SE of S itself).
//!
//! At each distinct time t with weighted number at risk `Y(t) = sum_{T_i >= t} w_i`
//! and weighted events `dN(t)`: `S(t) = prod_{s <= t} (1 - dN(s) / Y(s))`.
//!
//! The influence of patient k on S(t), scaled by their weight, is
//! `D_k(t) = w_k dS(t)/dw_k = S(t) w_k [A(min(T_k, t)) - delta_k 1{T_k <= t} / (Y(T_k) - dN(T_k))]`
//! with `A(u) = sum_{event times s <= u} dN(s) / (Y(s) (Y(s) - dN(s)))`
//! (differentiate `log S = sum log(1 - dN/Y)` with respect to `w_k`).
//! The variance is `sum_k D_k(t)^2` (Efron 1982, the infinitesimal
//! jackknife; Therneau, "survfitkm" methods note). Patients still at risk
//! share `A(t)`, so the sum is `S(t)^2 (A(t)^2 sum_{T_k > t} w_k^2 + E(t))`
//! where `E(t)` adds each patient's fixed term when they leave: one pass
//! in time order, O(n log n) rather than the O(n x times) of updating
//! every influence at every event.
//!
//! With integer weights survfit keeps Greenwood's SE of -log S (on the
//! weighted counts), as for replicated rows; so does this estimator when
//! not asked for the robust SE, so that unit weights give the unweighted
//! curve exactly.

use super::kaplan_meier::{AtTime, ConfType, KaplanMeier, confidence_limits, z_value};

/// A weighted Kaplan-Meier curve: one row per distinct time.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightedKaplanMeier {
    /// Distinct times, ascending.
    pub time: Vec<f64>,
    /// Weighted number at risk just before each time.
    pub n_risk: Vec<f64>,
    /// Weighted events at each time.
    pub n_event: Vec<f64>,
    /// Weighted censorings at each time.
    pub n_censor: Vec<f64>,
    /// Survival just after each time.
    pub surv: Vec<f64>,
    /// R's `std.err`: with a non-integer weight the infinitesimal-jackknife
    /// SE of S; with integer weights (as survfit, which then treats them as
    /// replicated rows) Greenwood's SE of -log S on the weighted counts.
    pub std_err: Vec<Option<f64>>,
    /// Whether `std_err` is on the -log S scale (the Greenwood case).
    pub log_se: bool,
    /// Patients (unweighted) at risk, with an event, censored at each time.
    pub counts: Vec<[usize; 3]>,
}

/// Survival read off a weighted curve at one time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightedAt {
    /// S, its SE and confidence limits, as [`KaplanMeier::at`] (its
    /// `n_risk` unweighted).
    pub at: AtTime,
    /// Weighted number with follow-up >= the time.
    pub n_risk: f64,
}

/// Fits the weighted curve of `time`, `event` with case weights `w`; the
/// SE is the infinitesimal jackknife's when `robust`, else Greenwood's on
/// the weighted counts. survfit decides over all the weights of its call
/// (every curve of `~ group` alike): robust when any is not an integer.
pub fn fit_weighted(time: &[f64], event: &[bool], w: &[f64], robust: bool) -> WeightedKaplanMeier {
    let mut km = WeightedKaplanMeier {
        time: Vec::new(),
        n_risk: Vec::new(),
        n_event: Vec::new(),
        n_censor: Vec::new(),
        surv: Vec::new(),
        std_err: Vec::new(),
        counts: Vec::new(),
        log_se: !robust,
    };
    let Blocks {
        order,
        blocks,
        risk,
        later_w2,
    } = Blocks::new(time, w);
    let (mut s, mut a, mut exits, mut greenwood) = (1.0, 0.0, 0.0, 0.0);
    for (b, range) in blocks.iter().enumerate() {
        let rows = &order[range.clone()];
        let (mut dn, mut dc, mut d) = (0.0, 0.0, 0);
        for &k in rows {
            if event[k] {
                dn += w[k];
                d += 1;
            } else {
                dc += w[k];
            }
        }
        let y = risk[b];
        // R counts a time as an event time only with an event of positive weight.
        let jump = if d > 0 && dn > 0.0 {
            // As the unweighted estimator (R writes (Y - dN) / Y: the same to
            // the last bit or one ulp), so that unit weights give its curve.
            s *= 1.0 - dn / y;
            a += dn / (y * (y - dn));
            greenwood += if y == dn {
                f64::INFINITY
            } else {
                dn / (y * (y - dn))
            };
            1.0 / (y - dn)
        } else {
            0.0
        };
        for &k in rows {
            let g = a - if event[k] { jump } else { 0.0 };
            exits += w[k] * w[k] * g * g;
        }
        // Once S reaches 0 every influence is 0 (all at risk had the event).
        let var = if s > 0.0 {
            s * s * (a * a * later_w2[b] + exits)
        } else {
            0.0
        };
        km.time.push(time[rows[0]]);
        km.n_risk.push(y);
        km.n_event.push(dn);
        km.n_censor.push(dc);
        km.surv.push(s);
        km.std_err.push(if km.log_se {
            greenwood.is_finite().then(|| greenwood.sqrt())
        } else {
            Some(var.sqrt())
        });
        km.counts
            .push([order.len() - range.start, d, rows.len() - d]);
    }
    km
}

/// The rows in time order, grouped by distinct time, with the weighted
/// number at risk at each time and the sum of squared weights of the rows
/// after it.
struct Blocks {
    order: Vec<usize>,
    blocks: Vec<std::ops::Range<usize>>,
    risk: Vec<f64>,
    later_w2: Vec<f64>,
}

impl Blocks {
    fn new(time: &[f64], w: &[f64]) -> Blocks {
        let order = super::stable_order(time.len(), |a, b| time[a].total_cmp(&time[b]));
        let mut blocks: Vec<std::ops::Range<usize>> = Vec::new();
        let mut i = 0;
        while i < order.len() {
            let t = time[order[i]];
            let end = (i..order.len())
                .find(|&j| time[order[j]] != t)
                .unwrap_or(order.len());
            blocks.push(i..end);
            i = end;
        }
        // Summed from the last time back, as R does (so that a risk set
        // whose members all die leaves exactly 0, not a rounding residue).
        let (mut risk, mut later_w2) = (vec![0.0; blocks.len()], vec![0.0; blocks.len()]);
        let (mut y, mut w2) = (0.0, 0.0);
        for (b, rows) in blocks.iter().enumerate().rev() {
            later_w2[b] = w2;
            for &k in &order[rows.clone()] {
                y += w[k];
                w2 += w[k] * w[k];
            }
            risk[b] = y;
        }
        Blocks {
            order,
            blocks,
            risk,
            later_w2,
        }
    }
}

/// The infinitesimal-jackknife SE of the weighted curve's RMST up to `tau`
/// (see [`crate::stats::rmst`]): the influence of patient k on the area is
/// the integral of `D_k(t)` (module documentation), that is
/// `w_k [F1(min(T_k, tau)) + c_k (F0(tau) - F0(T_k))]` with
/// `F0(u) = integral of S`, `F1(u) = integral of S A` up to u and
/// `c_k = A(T_k) - delta_k / (Y(T_k) - dN(T_k))` (the second term only
/// for T_k < tau); the SE is the root of the sum of their squares, as R's
/// `survfit(..., weights, influence = TRUE)` influence integrated to tau.
pub fn rmst_se_ij(time: &[f64], event: &[bool], w: &[f64], tau: f64) -> f64 {
    let Blocks {
        order,
        blocks,
        risk,
        ..
    } = Blocks::new(time, w);
    // Per block: S and A after it, the jump 1 / (Y - dN), and F0, F1 at it.
    let (mut s, mut a) = (1.0, 0.0);
    let (mut f0, mut f1, mut last_t) = (0.0, 0.0, 0.0f64);
    let mut at = Vec::with_capacity(blocks.len());
    for (b, range) in blocks.iter().enumerate() {
        let rows = &order[range.clone()];
        let t = time[rows[0]];
        // The integrals up to t (S and A constant since the last time).
        let step = t.min(tau) - last_t.min(tau);
        if s > 0.0 && step > 0.0 {
            f0 += s * step;
            f1 += s * a * step;
        }
        last_t = t;
        let (dn, d) = rows
            .iter()
            .filter(|&&k| event[k])
            .fold((0.0, 0), |(dn, d), &k| (dn + w[k], d + 1));
        let y = risk[b];
        let jump = if d > 0 && dn > 0.0 {
            s *= 1.0 - dn / y;
            a += dn / (y * (y - dn));
            1.0 / (y - dn)
        } else {
            0.0
        };
        at.push((t, s, a, jump, f0, f1));
    }
    // Up to tau from the last time.
    let step = tau - last_t.min(tau);
    let (f0_tau, f1_tau) = if s > 0.0 && step > 0.0 {
        (f0 + s * step, f1 + s * a * step)
    } else {
        (f0, f1)
    };
    let mut var = 0.0;
    for (b, range) in blocks.iter().enumerate() {
        let (t, s_after, a_after, jump, f0_t, f1_t) = at[b];
        for &k in &order[range.clone()] {
            let infl = if t >= tau {
                w[k] * f1_tau
            } else {
                let tail = f0_tau - f0_t;
                // Once S is 0 the area stops growing: no tail to weigh.
                let c = if s_after > 0.0 && tail > 0.0 {
                    (a_after - if event[k] { jump } else { 0.0 }) * tail
                } else {
                    0.0
                };
                w[k] * (f1_t + c)
            };
            var += infl * infl;
        }
    }
    var.sqrt()
}

impl WeightedKaplanMeier {
    /// The SE of -log S at each time (`std.err / S`, 0 where the SE is 0),
    /// as R's `survfit_confint` converts it.
    fn log_se(&self, k: usize) -> Option<f64> {
        let se = self.std_err[k]?;
        if self.log_se {
            return Some(se);
        }
        Some(if se == 0.0 { 0.0 } else { se / self.surv[k] })
    }

    /// Confidence limits at every curve time.
    pub fn limits(&self, conf: ConfType, level: f64) -> (Vec<Option<f64>>, Vec<Option<f64>>) {
        let z = z_value(level);
        (0..self.time.len())
            .map(|k| confidence_limits(self.surv[k], self.log_se(k), conf, z))
            .unzip()
    }

    /// The curve as an unweighted [`KaplanMeier`] value (its counts
    /// unweighted, its `std_err` the SE of -log S), for quantiles.
    pub fn curve(&self) -> KaplanMeier {
        KaplanMeier {
            time: self.time.clone(),
            n_risk: self.counts.iter().map(|c| c[0]).collect(),
            n_event: self.counts.iter().map(|c| c[1]).collect(),
            n_censor: self.counts.iter().map(|c| c[2]).collect(),
            surv: self.surv.clone(),
            std_err: (0..self.time.len()).map(|k| self.log_se(k)).collect(),
            cumhaz: Vec::new(),
            std_chaz: Vec::new(),
        }
    }

    /// Survival at `t` as `summary(fit, times = t, extend = TRUE)`.
    pub fn at(&self, t: f64, conf: ConfType, level: f64) -> WeightedAt {
        WeightedAt {
            at: self.curve().at(t, conf, level),
            n_risk: self.n_risk_at(t),
        }
    }

    /// The weighted number with follow-up >= `t`.
    pub fn n_risk_at(&self, t: f64) -> f64 {
        let k = self.time.partition_point(|&x| x < t);
        self.n_risk.get(k).copied().unwrap_or(0.0)
    }
}
