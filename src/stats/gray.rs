//! Gray's test of equal cumulative incidence of one cause among groups
//! (Gray 1988, Ann Stat 16:1141), as R's `cmprsk::cuminc` computes it
//! (`rho = 0`, one stratum): a score per group (all but the last), from the
//! difference between each group's observed failures and those expected
//! under a common subdistribution hazard, and its variance from the
//! martingale representation; the statistic `s' V^-1 s` is chi-square with
//! `groups - 1` degrees of freedom.
//!
//! At each distinct time, with `R_k` at risk in group k, `S_k(t-)` its
//! all-cause Kaplan-Meier curve before t, `F_k(t-)` its incidence before t,
//! `d1`, `d2` the failures of the cause and of other causes:
//! `h_k = R_k / S_k(t-)`, `H = sum h_k`, `Q = sum h_k (1 - F_k(t-))`;
//! the score of group k grows by `d1_k - d1 h_k (1 - F_k(t-)) / Q`, and the
//! variance gathers, per group, the cause's and the other causes'
//! martingale increments weighted as Gray's equations give (with the
//! finite-tie corrections cmprsk applies).

use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Gray's test of one cause.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GrayTest {
    /// Chi-square statistic.
    pub statistic: f64,
    /// Degrees of freedom (groups - 1).
    pub df: usize,
    /// p-value.
    pub p: f64,
}

/// Tests equal incidence of cause 1 (`cause`: 0 censored, 1 the cause, 2
/// any other) among the `groups` groups (`group[i]` in `0..groups`);
/// `None` when the variance is singular or there are fewer than two groups.
pub fn test(time: &[f64], cause: &[u8], group: &[usize], groups: usize) -> Option<GrayTest> {
    let ng = groups;
    if ng < 2 {
        return None;
    }
    let ng1 = ng - 1;
    let order = super::stable_order(time.len(), |a, b| time[a].total_cmp(&time[b]));
    let n = order.len();
    let mut rs = vec![0.0f64; ng];
    for &g in group {
        rs[g] += 1.0;
    }
    let (mut f1m, mut f1, mut skmm, mut skm) =
        (vec![0.0; ng], vec![0.0; ng], vec![1.0; ng], vec![1.0; ng]);
    let mut v3 = vec![0.0; ng];
    let mut v2 = vec![vec![0.0; ng]; ng1];
    let mut c = vec![vec![0.0; ng]; ng];
    let mut a = vec![vec![0.0; ng]; ng];
    let mut s = vec![0.0; ng1];
    let mut v = vec![vec![0.0; ng1]; ng1];
    let (mut fm, mut f) = (0.0f64, 0.0f64);
    let mut i = 0;
    while i < n {
        let t = time[order[i]];
        let end = (i..n).find(|&j| time[order[j]] != t).unwrap_or(n);
        let mut d = vec![[0.0f64; 3]; ng];
        for &k in &order[i..end] {
            d[group[k]][cause[k].min(2) as usize] += 1.0;
        }
        let nd1: f64 = d.iter().map(|x| x[1]).sum();
        let nd2: f64 = d.iter().map(|x| x[2]).sum();
        if nd1 > 0.0 || nd2 > 0.0 {
            let (mut tr, mut tq) = (0.0, 0.0);
            for g in (0..ng).filter(|&g| rs[g] > 0.0) {
                skm[g] = skmm[g] * (rs[g] - d[g][1] - d[g][2]) / rs[g];
                f1[g] = f1m[g] + skmm[g] * d[g][1] / rs[g];
                tr += rs[g] / skmm[g];
                tq += rs[g] * (1.0 - f1m[g]) / skmm[g];
            }
            f = fm + nd1 / tr;
            // The weight (1 - F(t-))^rho is 1 with rho = 0.
            for g in 0..ng {
                a[g][g..].iter_mut().for_each(|x| *x = 0.0);
                if rs[g] <= 0.0 {
                    continue;
                }
                let t1 = rs[g] / skmm[g];
                a[g][g] = t1 * (1.0 - t1 / tr);
                c[g][g] += a[g][g] * nd1 / (tr * (1.0 - fm));
                for h in (g + 1..ng).filter(|&h| rs[h] > 0.0) {
                    a[g][h] = -t1 * rs[h] / (skmm[h] * tr);
                    c[g][h] += a[g][h] * nd1 / (tr * (1.0 - fm));
                }
            }
            for g in 1..ng {
                for h in 0..g {
                    a[g][h] = a[h][g];
                    c[g][h] = c[h][g];
                }
            }
            for g in (0..ng1).filter(|&g| rs[g] > 0.0) {
                s[g] += d[g][1] - nd1 * rs[g] * (1.0 - f1m[g]) / (skmm[g] * tq);
            }
            if nd1 > 0.0 {
                for k in (0..ng).filter(|&k| rs[k] > 0.0) {
                    let t4 = if skm[k] > 0.0 {
                        1.0 - (1.0 - f) / skm[k]
                    } else {
                        1.0
                    };
                    let t5 = if nd1 > 1.0 {
                        1.0 - (nd1 - 1.0) / (tr * skmm[k] - 1.0)
                    } else {
                        1.0
                    };
                    let t3 = t5 * skmm[k] * nd1 / (tr * rs[k]);
                    v3[k] += t4 * t4 * t3;
                    for g in 0..ng1 {
                        let t1 = a[g][k] - t4 * c[g][k];
                        v2[g][k] += t1 * t4 * t3;
                        for h in 0..=g {
                            let t2 = a[h][k] - t4 * c[h][k];
                            v[g][h] += t1 * t2 * t3;
                        }
                    }
                }
            }
            if nd2 > 0.0 {
                for k in (0..ng).filter(|&k| skm[k] > 0.0 && d[k][2] > 0.0) {
                    let t4 = (1.0 - f) / skm[k];
                    let t5 = if d[k][2] > 1.0 {
                        1.0 - (d[k][2] - 1.0) / (rs[k] - 1.0)
                    } else {
                        1.0
                    };
                    let t3 = t5 * skmm[k] * skmm[k] * d[k][2] / (rs[k] * rs[k]);
                    v3[k] += t4 * t4 * t3;
                    for g in 0..ng1 {
                        let t1 = t4 * c[g][k];
                        v2[g][k] -= t1 * t4 * t3;
                        for h in 0..=g {
                            let t2 = t4 * c[h][k];
                            v[g][h] += t1 * t2 * t3;
                        }
                    }
                }
            }
        }
        for &k in &order[i..end] {
            rs[group[k]] -= 1.0;
        }
        fm = f;
        f1m.clone_from(&f1);
        skmm.clone_from(&skm);
        i = end;
    }
    for g in 0..ng1 {
        for h in 0..=g {
            for k in 0..ng {
                v[g][h] += c[g][k] * c[h][k] * v3[k] + c[g][k] * v2[h][k] + c[h][k] * v2[g][k];
            }
            v[h][g] = v[g][h];
        }
    }
    let vm = nalgebra::DMatrix::from_fn(ng1, ng1, |r, q| v[r][q]);
    let sv = nalgebra::DVector::from_column_slice(&s);
    let solved = vm.lu().solve(&sv)?;
    let statistic = sv.dot(&solved);
    let p = ChiSquared::new(ng1 as f64).map_or(f64::NAN, |d| d.sf(statistic));
    Some(GrayTest {
        statistic,
        df: ng1,
        p,
    })
}
