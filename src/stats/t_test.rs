//! Two-sample t-tests (Welch and pooled variance), as R's `t.test`.

use super::{StatsError, TestResult, describe};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Two-sample t-test of `x` (first group) against `y`.
///
/// Welch (`pooled = false`, R's default): `se = sqrt(v1/n1 + v2/n2)`,
/// `df = se^4 / ((v1/n1)^2/(n1-1) + (v2/n2)^2/(n2-1))` (Welch-Satterthwaite).
/// Pooled: `v = ((n1-1) v1 + (n2-1) v2) / (n1+n2-2)`, `se = sqrt(v (1/n1 + 1/n2))`,
/// `df = n1 + n2 - 2`. In both `t = (mean1 - mean2) / se`, two-sided
/// `p = 2 P(T_df >= |t|)`.
pub fn two_sample(x: &[f64], y: &[f64], pooled: bool) -> Result<TestResult, StatsError> {
    let found = x.len().min(y.len());
    if found < 2 {
        return Err(StatsError::TooFewObservations { found, needed: 2 });
    }
    let (m1, m2) = (
        describe::mean(x).unwrap_or(0.0),
        describe::mean(y).unwrap_or(0.0),
    );
    let (v1, v2) = (
        describe::variance(x).unwrap_or(0.0),
        describe::variance(y).unwrap_or(0.0),
    );
    from_summary(
        [m1, v1.sqrt(), x.len() as f64],
        [m2, v2.sqrt(), y.len() as f64],
        pooled,
    )
}

/// The same test from group summaries `[mean, sd, n]`, as printed in a
/// baseline table (used to recompute a published p-value).
pub fn from_summary(x: [f64; 3], y: [f64; 3], pooled: bool) -> Result<TestResult, StatsError> {
    let ([m1, s1, n1], [m2, s2, n2]) = (x, y);
    let found = n1.min(n2);
    if found < 2.0 {
        return Err(StatsError::TooFewObservations {
            found: found.max(0.0) as usize,
            needed: 2,
        });
    }
    let (v1, v2) = (s1 * s1, s2 * s2);
    let (se, df) = if pooled {
        let v = ((n1 - 1.0) * v1 + (n2 - 1.0) * v2) / (n1 + n2 - 2.0);
        ((v * (1.0 / n1 + 1.0 / n2)).sqrt(), n1 + n2 - 2.0)
    } else {
        let (a, b) = (v1 / n1, v2 / n2);
        let se = (a + b).sqrt();
        (
            se,
            (a + b).powi(2) / (a * a / (n1 - 1.0) + b * b / (n2 - 1.0)),
        )
    };
    if se == 0.0 || !se.is_finite() {
        return Err(StatsError::NoVariation);
    }
    let t = (m1 - m2) / se;
    let dist = StudentsT::new(0.0, 1.0, df).map_err(|_| StatsError::NoVariation)?;
    Ok(TestResult {
        statistic: t,
        df: Some(df),
        p: (2.0 * dist.sf(t.abs())).min(1.0),
    })
}
