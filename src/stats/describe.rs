//! Descriptive statistics with R's definitions: `mean`, `var` (n - 1),
//! `sd`, and `quantile(type = 7)`.

/// Arithmetic mean of a compensated (Neumaier) sum. R's `mean()` sums in
/// extended precision and refines once; a compensated sum gets the same
/// correctly rounded result, so equal samples give exactly equal means (a
/// naive sum can differ in the last bits with the order of the values).
/// `None` for an empty slice.
pub fn mean(x: &[f64]) -> Option<f64> {
    if x.is_empty() {
        return None;
    }
    Some(sum(x) / x.len() as f64)
}

/// Neumaier's compensated sum (Neumaier 1974, improved Kahan summation).
pub fn sum(x: &[f64]) -> f64 {
    let (mut s, mut c) = (0.0f64, 0.0f64);
    for &v in x {
        let t = s + v;
        c += if s.abs() >= v.abs() {
            (s - t) + v
        } else {
            (v - t) + s
        };
        s = t;
    }
    s + c
}

/// Sample variance `sum((x - mean)^2) / (n - 1)` (two-pass), as R's `var()`.
/// `None` for fewer than 2 values.
pub fn variance(x: &[f64]) -> Option<f64> {
    if x.len() < 2 {
        return None;
    }
    let m = mean(x)?;
    Some(x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() - 1) as f64)
}

/// Sample standard deviation, `sqrt(variance)`.
pub fn sd(x: &[f64]) -> Option<f64> {
    variance(x).map(f64::sqrt)
}

/// Quantile of `sorted` (ascending, no NaN) at probability `p` by R's default
/// `type = 7`: with `h = (n - 1) p`, `x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h])`
/// (0-based). Hyndman & Fan (1996), definition 7. `None` for an empty slice.
pub fn quantile_type7(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=1.0).contains(&p) {
        return None;
    }
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let frac = h - lo as f64;
    Some(sorted[lo] + frac * (sorted[hi] - sorted[lo]))
}

/// Location and spread of one group: the numbers behind "mean (SD)" and
/// "median (IQR)" cells.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Non-missing values.
    pub n: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Standard deviation (n - 1); `None` when n < 2.
    pub sd: Option<f64>,
    /// Median (type 7).
    pub median: f64,
    /// First quartile (type 7).
    pub q1: f64,
    /// Third quartile (type 7).
    pub q3: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

/// Summarises the values of one group; `None` when it has no values.
pub fn summarize(x: &[f64]) -> Option<Summary> {
    let mut sorted = x.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    summarize_sorted(x, &sorted)
}

/// [`summarize`] given the values also sorted ascending (`sorted`, no NaN):
/// quantiles from `sorted`, mean and SD from `x` in its own order.
pub fn summarize_sorted(x: &[f64], sorted: &[f64]) -> Option<Summary> {
    Some(Summary {
        n: x.len(),
        mean: mean(x)?,
        sd: sd(x),
        median: quantile_type7(sorted, 0.5)?,
        q1: quantile_type7(sorted, 0.25)?,
        q3: quantile_type7(sorted, 0.75)?,
        min: *sorted.first()?,
        max: *sorted.last()?,
    })
}
