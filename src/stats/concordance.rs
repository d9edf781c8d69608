//! Harrell's concordance for survival data, with the counts and the
//! infinitesimal-jackknife standard error that R's `survival::concordance`
//! (and `coxph(...)$concordance`) reports.
//!
//! A pair (i, j) is comparable when i has the event and j is known to
//! outlive it: `t_i < t_j`, or `t_i = t_j` with j censored. It is
//! concordant when the risk score is higher for i, discordant when lower,
//! and tied on x when equal. Pairs of events at the same time are "tied on
//! y" (tied.xy if the scores are equal too) and do not count.
//! `C = (concordant + tied.x / 2) / (concordant + discordant + tied.x)`.
//! With `n_p` comparable pairs, Somers' `d = (conc - disc) / n_p`, and
//! `I_i` the counts of the pairs that involve row i, the influence of row i
//! is `((I_i,conc - I_i,disc) - d (I_i,conc + I_i,disc + I_i,tied.x)) / n_p`,
//! summed within clusters; `se(C) = sqrt(sum influence^2) / 2`.
//! Harrell et al. (1982) JAMA 247:2543; Therneau & Watson (2017), the
//! survival package's "concordance" vignette.
//!
//! Counting uses Fenwick trees over the ranks of the scores, one pass
//! backward and one forward in time: O(n log n).

/// Counts, the C statistic and its standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Concordance {
    /// Concordant pairs.
    pub concordant: f64,
    /// Discordant pairs.
    pub discordant: f64,
    /// Comparable pairs with equal scores.
    pub tied_x: f64,
    /// Pairs of events at the same time, different scores.
    pub tied_y: f64,
    /// Pairs of events at the same time, equal scores.
    pub tied_xy: f64,
    /// The C statistic.
    pub concordance: f64,
    /// Its standard error (infinitesimal jackknife).
    pub std: f64,
}

struct Fenwick(Vec<f64>);

impl Fenwick {
    fn add(&mut self, mut i: usize, v: f64) {
        i += 1;
        while i < self.0.len() {
            self.0[i] += v;
            i += i & i.wrapping_neg();
        }
    }
    /// Sum over ranks < i.
    fn below(&self, mut i: usize) -> f64 {
        let mut s = 0.0;
        while i > 0 {
            s += self.0[i];
            i -= i & i.wrapping_neg();
        }
        s
    }
}

/// Concordance of `risk` (higher = earlier event expected) with survival
/// `(time, event)`; pairs are formed within `strata`; the standard error
/// sums influences within `cluster` (each row its own when `None`).
pub fn concordance(
    time: &[f64],
    event: &[bool],
    risk: &[f64],
    strata: Option<&[usize]>,
    cluster: Option<&[usize]>,
) -> Concordance {
    let n = time.len();
    let mut ranks_sorted: Vec<f64> = risk.to_vec();
    ranks_sorted.sort_by(f64::total_cmp);
    ranks_sorted.dedup();
    let rank: Vec<usize> = risk
        .iter()
        .map(|r| ranks_sorted.partition_point(|x| x < r))
        .collect();
    let m = ranks_sorted.len();
    let stratum = |i: usize| strata.map_or(0, |s| s[i]);
    let order = super::stable_order(n, |a, b| {
        stratum(a)
            .cmp(&stratum(b))
            .then(time[a].total_cmp(&time[b]))
    });
    // Per-row counts of concordant, discordant and tied.x pairs it is in.
    let mut infl = vec![[0.0f64; 3]; n];
    let (mut conc, mut disc, mut tx, mut ty, mut txy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let mut s = 0;
    while s < n {
        let st = stratum(order[s]);
        let mut e = s;
        while e < n && stratum(order[e]) == st {
            e += 1;
        }
        let idx = &order[s..e];
        // Groups of equal time, ascending.
        let mut groups: Vec<(usize, usize)> = Vec::new();
        let mut a = 0;
        while a < idx.len() {
            let mut b = a;
            while b < idx.len() && time[idx[b]] == time[idx[a]] {
                b += 1;
            }
            groups.push((a, b));
            a = b;
        }
        // Backward: each event against the rows that outlive it.
        let mut later = Fenwick(vec![0.0; m + 1]);
        let mut total_later = 0.0;
        for &(a, b) in groups.iter().rev() {
            let g = &idx[a..b];
            for &i in g.iter().filter(|&&i| !event[i]) {
                later.add(rank[i], 1.0);
                total_later += 1.0;
            }
            for &i in g.iter().filter(|&&i| event[i]) {
                let lower = later.below(rank[i]);
                let equal = later.below(rank[i] + 1) - lower;
                let higher = total_later - lower - equal;
                conc += lower;
                disc += higher;
                tx += equal;
                infl[i][0] += lower;
                infl[i][1] += higher;
                infl[i][2] += equal;
            }
            // Events at the same time: tied on y.
            let mut by_rank: Vec<usize> =
                g.iter().filter(|&&i| event[i]).map(|&i| rank[i]).collect();
            let d = by_rank.len() as f64;
            by_rank.sort_unstable();
            let mut same = 0.0;
            let mut k = 0;
            while k < by_rank.len() {
                let mut l = k;
                while l < by_rank.len() && by_rank[l] == by_rank[k] {
                    l += 1;
                }
                let c = (l - k) as f64;
                same += c * (c - 1.0) / 2.0;
                k = l;
            }
            txy += same;
            ty += d * (d - 1.0) / 2.0 - same;
            for &i in g.iter().filter(|&&i| event[i]) {
                later.add(rank[i], 1.0);
                total_later += 1.0;
            }
        }
        // Forward: each row against the earlier events it outlives.
        let mut earlier = Fenwick(vec![0.0; m + 1]);
        let mut total_earlier = 0.0;
        for &(a, b) in &groups {
            let g = &idx[a..b];
            let mut credit = |i: usize, tree: &Fenwick, total: f64| {
                let lower = tree.below(rank[i]);
                let equal = tree.below(rank[i] + 1) - lower;
                let higher = total - lower - equal;
                // The earlier event has the higher score: concordant.
                infl[i][0] += higher;
                infl[i][1] += lower;
                infl[i][2] += equal;
            };
            for &i in g.iter().filter(|&&i| event[i]) {
                credit(i, &earlier, total_earlier);
            }
            for &i in g.iter().filter(|&&i| event[i]) {
                earlier.add(rank[i], 1.0);
                total_earlier += 1.0;
            }
            for &i in g.iter().filter(|&&i| !event[i]) {
                credit(i, &earlier, total_earlier);
            }
        }
        s = e;
    }
    let npair = conc + disc + tx;
    let (c, std) = if npair > 0.0 {
        let somer = (conc - disc) / npair;
        let dfb = |i: usize| {
            (infl[i][0] - infl[i][1]) / npair
                - somer / npair * (infl[i][0] + infl[i][1] + infl[i][2])
        };
        let var: f64 = match cluster {
            None => (0..n).map(|i| dfb(i) * dfb(i)).sum(),
            Some(c) => {
                // Summed within clusters, then squared in increasing cluster id.
                let mut by_id: Vec<(usize, f64)> = (0..n).map(|i| (c[i], dfb(i))).collect();
                by_id.sort_by_key(|&(id, _)| id);
                by_id
                    .chunk_by(|a, b| a.0 == b.0)
                    .map(|g| {
                        let v: f64 = g.iter().map(|&(_, v)| v).sum();
                        v * v
                    })
                    .sum()
            }
        };
        ((somer + 1.0) / 2.0, var.sqrt() / 2.0)
    } else {
        (f64::NAN, f64::NAN)
    };
    Concordance {
        concordant: conc,
        discordant: disc,
        tied_x: tx,
        tied_y: ty,
        tied_xy: txy,
        concordance: c,
        std,
    }
}
