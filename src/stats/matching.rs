//! Greedy nearest-neighbour matching on a scalar distance (the propensity
//! score or its logit), with the rules of R's MatchIt (`method = "nearest"`,
//! Ho, Imai, King & Stuart 2011, J Stat Softw 42(8)):
//!
//! * units are sorted by distance (stable: ties keep data order);
//! * focal ("treated") units are processed in a given order; each takes the
//!   nearest available control, looking at the nearest one on either side
//!   in sorted order; on equal |difference| the left one (smaller
//!   distance) wins;
//! * a control is eligible when `|d_focal - d_control| <= caliper` (inclusive);
//! * for 1:k matching, k rounds: round r gives every focal unit still in
//!   play its r-th control, in the same order.
//!
//! Where studybook differs: MatchIt 4.5.1 skips, in rounds >= 2, a control
//! whose row number is one more than a control already matched to the same
//! focal unit (an off-by-one in its `check_in()`, removed upstream in 2024).
//! studybook follows the intended rule; the two agree for 1:1 matching.
//!
//! Finding the nearest available control uses two "next available"
//! union-find structures over sorted positions (path halving), so a whole
//! match is O(n log n) for the sort plus nearly O(n) for the search.

use rayon::prelude::*;
/// The order in which focal units choose their controls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOrder {
    /// Decreasing distance (MatchIt's default for the ATT).
    Largest,
    /// Increasing distance.
    Smallest,
    /// Data order.
    Data,
}

/// Options of [`nearest`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NearestOptions {
    /// Controls per focal unit (1 for 1:1).
    pub ratio: usize,
    /// Largest allowed |difference| on the distance scale; `None`: no caliper.
    pub caliper: Option<f64>,
    /// Whether a control may serve several focal units.
    pub replace: bool,
}

/// Indices of the focal units (`focal[i]`) in the order they choose
/// controls. Stable: ties in distance keep data order.
pub fn processing_order(distance: &[f64], focal: &[bool], order: MatchOrder) -> Vec<usize> {
    let idx = (0..distance.len()).filter(|&i| focal[i]);
    match order {
        MatchOrder::Data => idx.collect(),
        MatchOrder::Smallest => by_distance(distance, idx, false),
        MatchOrder::Largest => by_distance(distance, idx, true),
    }
}

/// `units` sorted by distance (descending if `descending`), ties in index
/// order: a stable sort's result. (Distance, index) pairs are sorted in
/// place, contiguous in memory, rather than indices through a lookup; the
/// index makes every key distinct, so an unstable sort (on both cores) gives
/// the one order.
fn by_distance(
    distance: &[f64],
    units: impl Iterator<Item = usize>,
    descending: bool,
) -> Vec<usize> {
    let mut keyed: Vec<(f64, usize)> = units.map(|i| (distance[i], i)).collect();
    keyed.par_sort_unstable_by(|a, b| {
        let by_distance = if descending {
            b.0.total_cmp(&a.0)
        } else {
            a.0.total_cmp(&b.0)
        };
        by_distance.then(a.1.cmp(&b.1))
    });
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// "Next available" pointers over positions 0..=n+1 (0 and n+1 are sentinels).
struct Skip {
    parent: Vec<usize>,
}

impl Skip {
    fn find(&mut self, mut q: usize) -> usize {
        while self.parent[q] != q {
            let up = self.parent[self.parent[q]];
            self.parent[q] = up;
            q = up;
        }
        q
    }
}

/// Matches each focal unit to up to `ratio` controls. `order` lists the focal
/// units in processing order (see [`processing_order`]). Returns, for every
/// unit index, its controls in round order (empty for unmatched focal units
/// and for controls).
pub fn nearest(
    distance: &[f64],
    focal: &[bool],
    order: &[usize],
    opts: NearestOptions,
) -> Vec<Vec<usize>> {
    let n = distance.len();
    let sorted = by_distance(distance, 0..n, false);
    let mut pos = vec![0usize; n];
    for (p, &u) in sorted.iter().enumerate() {
        pos[u] = p + 1; // positions 1..=n
    }
    // left.find(q): the available control at or left of q (0 = none);
    // right.find(q): at or right of q (n + 1 = none).
    let available = |q: usize| q >= 1 && q <= n && !focal[sorted[q - 1]];
    let mut left = Skip {
        parent: (0..n + 2)
            .map(|q| if q == 0 || available(q) { q } else { q - 1 })
            .collect(),
    };
    let mut right = Skip {
        parent: (0..n + 2)
            .map(|q| if q == n + 1 || available(q) { q } else { q + 1 })
            .collect(),
    };
    let within = |a: usize, b: usize| {
        opts.caliper
            .is_none_or(|c| (distance[a] - distance[b]).abs() <= c)
    };
    let mut matches: Vec<Vec<usize>> = vec![Vec::new(); n];
    for round in 0..opts.ratio.max(1) {
        for &f in order {
            if matches[f].len() < round {
                continue; // left without a match in an earlier round
            }
            let p = pos[f];
            let chosen = if opts.replace {
                nth_nearest_with_replacement(distance, focal, &sorted, p, round, opts.caliper)
            } else {
                let l = left.find(p - 1);
                let r = right.find(p + 1);
                let lu = (l >= 1).then(|| sorted[l - 1]);
                let ru = (r <= n).then(|| sorted[r - 1]);
                let pick = match (lu, ru) {
                    (Some(a), Some(b)) => {
                        if (distance[f] - distance[a]).abs() <= (distance[b] - distance[f]).abs() {
                            Some(a)
                        } else {
                            Some(b)
                        }
                    }
                    (a, b) => a.or(b),
                };
                pick.filter(|&c| within(f, c))
            };
            if let Some(c) = chosen {
                matches[f].push(c);
                if !opts.replace {
                    let q = pos[c];
                    left.parent[q] = q - 1;
                    right.parent[q] = q + 1;
                }
            }
        }
    }
    matches
}

/// With replacement: the `k`-th nearest control (0-based) of the focal unit
/// at sorted position `p`, merging outwards (left wins ties), if within the caliper.
fn nth_nearest_with_replacement(
    distance: &[f64],
    focal: &[bool],
    sorted: &[usize],
    p: usize,
    k: usize,
    caliper: Option<f64>,
) -> Option<usize> {
    let n = sorted.len();
    let f = sorted[p - 1];
    let (mut l, mut r) = (p - 1, p + 1);
    let mut taken = 0;
    loop {
        while l >= 1 && focal[sorted[l - 1]] {
            l -= 1;
        }
        while r <= n && focal[sorted[r - 1]] {
            r += 1;
        }
        let dl = (l >= 1).then(|| (distance[f] - distance[sorted[l - 1]]).abs());
        let dr = (r <= n).then(|| (distance[sorted[r - 1]] - distance[f]).abs());
        let (c, d) = match (dl, dr) {
            (Some(a), Some(b)) if a <= b => (sorted[l - 1], a),
            (Some(a), None) => (sorted[l - 1], a),
            (_, Some(b)) => (sorted[r - 1], b),
            (None, None) => return None,
        };
        if caliper.is_some_and(|cal| d > cal) {
            return None;
        }
        if taken == k {
            return Some(c);
        }
        taken += 1;
        if l >= 1 && c == sorted[l - 1] {
            l -= 1;
        } else {
            r += 1;
        }
    }
}
