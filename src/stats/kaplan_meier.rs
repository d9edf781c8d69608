//! Kaplan-Meier estimator with Greenwood variance, pointwise confidence
//! intervals, quantiles and survival at landmark times, as R's
//! `survival::survfit` (survival 3.5).
//!
//! At each distinct time t_i with n_i at risk and d_i events:
//! `S(t) = prod_{t_i <= t} (1 - d_i / n_i)`;
//! Greenwood: `se(-log S(t)) = sqrt(sum d_i / (n_i (n_i - d_i)))` (R's
//! `fit$std.err`, the SE of the cumulative hazard scale);
//! Nelson-Aalen: `H(t) = sum d_i / n_i`, `se(H) = sqrt(sum d_i / n_i^2)`.
//! Kaplan & Meier (1958) JASA 53:457; Greenwood (1926); Klein &
//! Moeschberger (2003), Survival Analysis, sec. 4.2-4.3.

use statrs::distribution::{ContinuousCDF, Normal};

pub use super::weighted_km::{WeightedAt, WeightedKaplanMeier, fit_weighted, rmst_se_ij};

/// Transformation used for pointwise confidence intervals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfType {
    /// `S exp(+-z se)`, upper limit capped at 1 (R's default).
    Log,
    /// `exp(-exp(log(-log S) -+ z se / log S))`; undefined where S is 0 or 1.
    LogLog,
    /// `S +- z se S`, clipped to [0, 1].
    Plain,
}

/// A fitted curve: one row per distinct time (event or censoring).
#[derive(Debug, Clone, PartialEq)]
pub struct KaplanMeier {
    /// Distinct times, ascending.
    pub time: Vec<f64>,
    /// Subjects at risk just before each time.
    pub n_risk: Vec<usize>,
    /// Events at each time.
    pub n_event: Vec<usize>,
    /// Censorings at each time.
    pub n_censor: Vec<usize>,
    /// Survival estimate just after each time.
    pub surv: Vec<f64>,
    /// Greenwood SE of -log S; `None` once S = 0 (infinite).
    pub std_err: Vec<Option<f64>>,
    /// Nelson-Aalen cumulative hazard.
    pub cumhaz: Vec<f64>,
    /// SE of the Nelson-Aalen cumulative hazard.
    pub std_chaz: Vec<f64>,
}

/// Survival read off a curve at one time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AtTime {
    /// The requested time.
    pub time: f64,
    /// S at the last curve time <= `time` (1 before the first).
    pub surv: f64,
    /// SE of S (`surv x se(-log S)`), as `summary.survfit`.
    pub std_err: Option<f64>,
    /// Lower confidence limit.
    pub lower: Option<f64>,
    /// Upper confidence limit.
    pub upper: Option<f64>,
    /// Subjects with follow-up >= `time`.
    pub n_risk: usize,
}

/// A quantile of survival time with its confidence limits (`None`: not reached).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantile {
    /// Probability p: the time by which a fraction p has had the event.
    pub p: f64,
    /// Estimate.
    pub estimate: Option<f64>,
    /// Lower limit (from the lower confidence curve).
    pub lower: Option<f64>,
    /// Upper limit (from the upper confidence curve).
    pub upper: Option<f64>,
}

/// Fits the Kaplan-Meier curve of `time` with `event` (true = event,
/// false = censored). Rows need not be sorted. Returns an empty curve for no rows.
pub fn fit(time: &[f64], event: &[bool]) -> KaplanMeier {
    let order = super::stable_order(time.len(), |a, b| time[a].total_cmp(&time[b]));
    let mut km = KaplanMeier {
        time: Vec::new(),
        n_risk: Vec::new(),
        n_event: Vec::new(),
        n_censor: Vec::new(),
        surv: Vec::new(),
        std_err: Vec::new(),
        cumhaz: Vec::new(),
        std_chaz: Vec::new(),
    };
    let mut at_risk = time.len();
    let (mut s, mut greenwood, mut h, mut vh) = (1.0, 0.0, 0.0, 0.0);
    let mut i = 0;
    while i < order.len() {
        let t = time[order[i]];
        let (mut d, mut c) = (0, 0);
        while i < order.len() && time[order[i]] == t {
            if event[order[i]] {
                d += 1
            } else {
                c += 1
            }
            i += 1;
        }
        let n = at_risk as f64;
        let df = d as f64;
        if d > 0 {
            s *= 1.0 - df / n;
            greenwood += if d == at_risk {
                f64::INFINITY
            } else {
                df / (n * (n - df))
            };
            h += df / n;
            vh += df / (n * n);
        }
        km.time.push(t);
        km.n_risk.push(at_risk);
        km.n_event.push(d);
        km.n_censor.push(c);
        km.surv.push(s);
        km.std_err
            .push(greenwood.is_finite().then(|| greenwood.sqrt()));
        km.cumhaz.push(h);
        km.std_chaz.push(vh.sqrt());
        at_risk -= d + c;
    }
    km
}

/// The normal quantile for a two-sided `level` (0.95 -> 1.959964).
pub fn z_value(level: f64) -> f64 {
    Normal::standard().inverse_cdf(1.0 - (1.0 - level) / 2.0)
}

/// Pointwise confidence limits for survival `s` with `se = se(-log S)`.
pub fn confidence_limits(
    s: f64,
    se: Option<f64>,
    conf: ConfType,
    z: f64,
) -> (Option<f64>, Option<f64>) {
    let Some(se) = se.filter(|v| v.is_finite()) else {
        return (None, None);
    };
    match conf {
        ConfType::Log => {
            if s == 0.0 {
                return (None, None);
            }
            (
                Some(s * (-z * se).exp()),
                Some((s * (z * se).exp()).min(1.0)),
            )
        }
        ConfType::LogLog => {
            if s == 0.0 || s == 1.0 {
                return (None, None);
            }
            let ll = (-s.ln()).ln();
            let w = z * se / s.ln();
            (Some((-(ll - w).exp()).exp()), Some((-(ll + w).exp()).exp()))
        }
        ConfType::Plain => {
            let half = z * se * s;
            (Some((s - half).max(0.0)), Some((s + half).min(1.0)))
        }
    }
}

impl KaplanMeier {
    /// Confidence limits at every curve time.
    pub fn limits(&self, conf: ConfType, level: f64) -> (Vec<Option<f64>>, Vec<Option<f64>>) {
        let z = z_value(level);
        self.surv
            .iter()
            .zip(&self.std_err)
            .map(|(&s, &se)| confidence_limits(s, se, conf, z))
            .unzip()
    }

    /// Survival at `t` as `summary(fit, times = t, extend = TRUE)`.
    pub fn at(&self, t: f64, conf: ConfType, level: f64) -> AtTime {
        let k = self.time.partition_point(|&x| x <= t);
        let (surv, se) = if k == 0 {
            (1.0, Some(0.0))
        } else {
            (self.surv[k - 1], self.std_err[k - 1])
        };
        let n_risk = self.time.partition_point(|&x| x < t);
        let n_risk = self.n_risk.get(n_risk).copied().unwrap_or(0);
        let (lower, upper) = confidence_limits(surv, se, conf, z_value(level));
        AtTime {
            time: t,
            surv,
            std_err: se.map(|v| v * surv),
            lower,
            upper,
            n_risk,
        }
    }

    /// Quantiles of survival time at each probability in `probs`, with the
    /// rule of R's `quantile.survfit`: the first time the curve of
    /// `1 - S` reaches p; where the curve is flat at p (within
    /// `sqrt(machine eps)`), the midpoint of that flat's start and the next
    /// jump (or the last follow-up time at the end of the curve). The
    /// limits apply the same rule to the confidence curves.
    pub fn quantiles(&self, probs: &[f64], conf: ConfType, level: f64) -> Vec<Quantile> {
        let tol = f64::EPSILON.sqrt();
        let (lower, upper) = self.limits(conf, level);
        let curve = |y: Vec<Option<f64>>| -> Vec<Option<f64>> {
            std::iter::once(Some(0.0))
                .chain(y.into_iter().map(|v| v.map(|s| 1.0 - s)))
                .collect()
        };
        let x: Vec<f64> = std::iter::once(0.0)
            .chain(self.time.iter().copied())
            .collect();
        let xmax = self.time.last().copied().unwrap_or(0.0);
        let f_est = curve(self.surv.iter().map(|&s| Some(s)).collect());
        let f_low = curve(lower);
        let f_up = curve(upper);
        probs
            .iter()
            .map(|&p| Quantile {
                p,
                estimate: find_quantile(&x, &f_est, p, tol, xmax),
                lower: find_quantile(&x, &f_low, p, tol, xmax),
                upper: find_quantile(&x, &f_up, p, tol, xmax),
            })
            .collect()
    }
}

/// Where the step function `f` (values at `x`, non-decreasing, `None`
/// = undefined and skipped) first reaches `p`.
fn find_quantile(x: &[f64], f: &[Option<f64>], p: f64, tol: f64, xmax: f64) -> Option<f64> {
    let mut pts: Vec<(f64, f64)> = Vec::new();
    for (&xi, fi) in x.iter().zip(f) {
        // The curve is non-decreasing, so a repeated value (a censoring
        // time) can only follow its first occurrence.
        if let Some(v) = fi
            && pts.last().is_none_or(|&(_, w)| w != *v)
        {
            pts.push((xi, *v));
        }
    }
    let max = pts
        .iter()
        .map(|&(_, v)| v)
        .fold(f64::NEG_INFINITY, f64::max);
    if pts.is_empty() || max < p {
        return None;
    }
    if p == 0.0 {
        return Some(pts[0].0);
    }
    let i1 = pts.iter().position(|&(_, v)| v + tol >= p)?;
    match pts.iter().position(|&(_, v)| v - tol >= p) {
        Some(i2) => Some((pts[i1].0 + pts[i2].0) / 2.0),
        None => {
            let last = pts[pts.len() - 1].1;
            ((p - last).abs() < tol).then(|| (pts[i1].0 + xmax) / 2.0)
        }
    }
}
