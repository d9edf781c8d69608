//! Bootstrap helpers: the per-replicate seed and the percentile interval.
//!
//! Replicate `i` of a bootstrap with seed `s` draws from a generator seeded
//! by `splitmix64(s ^ splitmix64(i))`, so its draws depend on (s, i) only,
//! never on the order in which threads run the replicates.
//!
//! The percentile interval is R's `boot.ci(type = "perc")` (Davison &
//! Hinkley 1997, eq. 5.18; `boot:::norm.inter`): for a tail probability
//! `a` the `(R + 1) a`-th order statistic of the R replicates, interpolated
//! on the normal-quantile scale between the neighbouring order statistics
//! when `(R + 1) a` is not an integer, and the extreme replicate when it
//! falls outside 1..R-1.

use statrs::distribution::{ContinuousCDF, Normal};

/// SplitMix64's output function (Steele, Lea & Flood 2014).
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The seed of replicate `index` of a bootstrap seeded `seed`.
pub fn replicate_seed(seed: u64, index: u64) -> u64 {
    splitmix64(seed ^ splitmix64(index))
}

/// The percentile interval at `level` (0.95) of the replicates `t` (any
/// order; non-finite values must be removed first); `None` for fewer than
/// two replicates.
pub fn percentile_interval(t: &[f64], level: f64) -> Option<(f64, f64)> {
    if t.len() < 2 {
        return None;
    }
    let mut sorted = t.to_vec();
    sorted.sort_by(f64::total_cmp);
    let a = (1.0 - level) / 2.0;
    Some((norm_inter(&sorted, a), norm_inter(&sorted, 1.0 - a)))
}

/// `boot:::norm.inter` for one tail probability `a` on sorted replicates.
fn norm_inter(t: &[f64], a: f64) -> f64 {
    let r = t.len();
    let rk = (r as f64 + 1.0) * a;
    let k = rk.trunc() as usize;
    if rk == k as f64 && (1..=r).contains(&k) {
        return t[k - 1];
    }
    if k == 0 {
        return t[0];
    }
    if k >= r {
        return t[r - 1];
    }
    let n = Normal::standard();
    let q = |p: f64| n.inverse_cdf(p);
    let (lo, hi) = (
        k as f64 / (r as f64 + 1.0),
        (k + 1) as f64 / (r as f64 + 1.0),
    );
    t[k - 1] + (q(a) - q(lo)) / (q(hi) - q(lo)) * (t[k] - t[k - 1])
}
