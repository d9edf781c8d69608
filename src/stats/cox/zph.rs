//! The proportional-hazards test of `cox.zph` (survival 3.x): the score
//! test of a time-varying coefficient on a transform of time.

use super::*;

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
            let km = super::super::kaplan_meier::fit(time, event);
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
    let data = prepare(time, event, columns, strata, None, None);
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
