//! The network algorithm for Fisher's exact test on an r x c table
//! (Mehta & Patel 1983, "A network algorithm for performing Fisher's exact
//! test in r x c contingency tables", JASA 78:427-434; Clarkson, Fan & Joe
//! 1993, ACM TOMS 19:484-488, the FEXACT code R's `fisher.test` calls).
//!
//! Tables with fixed margins are paths through a network. The columns of
//! the longer side are the stages; a node is the multiset of row totals
//! still to fill (sorted, since the rows of what remains are
//! interchangeable), and an arc fills one column, worth `-sum_i ln x_i!`.
//! A table's probability is `exp(K + sum of its arcs)` with
//! `K = sum ln R_i! + sum ln C_j! - ln N!`. The p-value sums the tables
//! whose value is at most the observed one's plus a tolerance: R's
//! `fisher.test` counts a 2 x 2 table whose probability is at most
//! `P(observed) (1 + 1e-7)`, and for larger tables FEXACT adds its `TOL`
//! (3.45254e-7, the square root of the smallest relative spacing of a
//! single-precision float) to the observed log-probability.
//!
//! Each node carries the values of the paths that reach it ("past"),
//! merged when equal. For a node, bounds of what its completions can add
//! decide for each past value at once: every completion counts (the node's
//! whole mass, in closed form, is added), none does (dropped), or the node
//! is expanded. The bounds:
//! - the largest completion value, from above, by Lagrangian duality:
//!   for any `a_i, b_j`,
//!   `max sum -ln x_ij! <= sum a_i m_i + sum b_j c_j
//!    + sum_ij max_{x >= 0} (-ln x! - (a_i + b_j) x)`,
//!   with `a_i + b_j = -ln(m_i c_j / n)` (the independence table);
//! - the smallest, from below: `sum ln x_ij!` is Schur-convex, so with
//!   only the row (or only the column) totals kept, filling the largest
//!   capacities first is the largest; the smaller of the two relaxations
//!   bounds it.
//!
//! With two columns left, a node's completions are listed once, sorted,
//! and each past value takes its share by binary search.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FxHash (rustc's): the keys are short vectors of small integers, where
/// SipHash's guard against adversarial keys only costs time.
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The nodes of one stage: remaining totals (sorted) to their past values.
type Level = HashMap<Vec<u64>, Node, BuildHasherDefault<FxHasher>>;

/// Why the search stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverBudget;

/// The p-value of Fisher's exact test for `table` (margins > 0, at least
/// 2 x 2), visiting at most `budget` arcs and past values.
pub fn p_value(table: &[Vec<u64>], lf: &[f64], budget: u64) -> Result<f64, OverBudget> {
    let mut t: Vec<Vec<u64>> = table.to_vec();
    // The shorter side is the key; the longer side's totals are the stages.
    if t.len() > t[0].len() {
        t = (0..t[0].len())
            .map(|j| t.iter().map(|r| r[j]).collect())
            .collect();
    }
    let rows: Vec<u64> = t.iter().map(|r| r.iter().sum()).collect();
    let mut stages: Vec<u64> = (0..t[0].len())
        .map(|j| t.iter().map(|r| r[j]).sum())
        .collect();
    stages.sort_unstable();
    let n: u64 = rows.iter().sum();
    let konst = rows
        .iter()
        .chain(&stages)
        .map(|&v| lf[v as usize])
        .sum::<f64>()
        - lf[n as usize];
    let observed: f64 = -t.iter().flatten().map(|&x| lf[x as usize]).sum::<f64>();
    let net = Network {
        lf,
        stages: &stages,
        threshold: observed + tolerance(t.len(), t[0].len()),
        konst,
    };
    net.run(rows, budget)
}

/// How far above the observed log-probability a table still counts, as R
/// does (see the module).
pub fn tolerance(rows: usize, cols: usize) -> f64 {
    if rows == 2 && cols == 2 {
        (1.0f64 + 1e-7).ln()
    } else {
        3.45254e-7
    }
}

/// The fixed parts of one test.
struct Network<'a> {
    lf: &'a [f64],
    /// Column totals, in the order they are filled.
    stages: &'a [u64],
    /// Largest path value that counts.
    threshold: f64,
    konst: f64,
}

/// Past values reaching a node: (value, how many paths).
type Pasts = Vec<(f64, f64)>;

/// A node: the bounds and mass of its completions and the past values
/// that reach it with some completions counting and some not.
struct Node {
    lowest: f64,
    highest: f64,
    mass: f64,
    open: Pasts,
}

impl Network<'_> {
    fn run(&self, rows: Vec<u64>, budget: u64) -> Result<f64, OverBudget> {
        let mut key: Vec<u64> = rows;
        key.sort_unstable();
        let mut p = 0.0;
        let mut level = Level::default();
        let mut root = self.node(0, &key);
        self.arrive(&mut root, &[(0.0, 1.0)], 0.0, &mut p);
        level.insert(key, root);
        let mut work = 0u64;
        for stage in 0..self.stages.len() {
            let mut next = Level::default();
            // Visit nodes in key order: the sum's rounding does not depend
            // on the hash map's order.
            let mut nodes: Vec<(Vec<u64>, Node)> = level.into_iter().collect();
            nodes.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            for (key, node) in nodes {
                let open = merge(node.open);
                if open.is_empty() {
                    continue;
                }
                work += open.len() as u64;
                if stage + 2 == self.stages.len() {
                    work += self.finish_two(&key, &open, &mut p);
                } else {
                    work += self.expand(stage, &key, &open, &mut next, &mut p);
                }
                if work > budget {
                    return Err(OverBudget);
                }
            }
            level = next;
        }
        Ok(p.clamp(0.0, 1.0))
    }

    /// The node of `key` at `stage`, with no past values yet.
    fn node(&self, stage: usize, key: &[u64]) -> Node {
        let cols = &self.stages[stage..];
        Node {
            lowest: self.lowest(key, cols),
            highest: self.highest(key, cols),
            mass: self.mass(key, cols),
            open: Vec::new(),
        }
    }

    /// Past values `pasts`, each plus `arc`, reach `node`: those whose
    /// every completion counts are added to `p` whole, those none of whose
    /// completions count are dropped, and the rest stay open.
    fn arrive(&self, node: &mut Node, pasts: &[(f64, f64)], arc: f64, p: &mut f64) {
        for &(past, k) in pasts {
            let v = past + arc;
            if v + node.highest <= self.threshold {
                *p += k * (v + node.mass + self.konst).exp();
            } else if v + node.lowest <= self.threshold {
                node.open.push((v, k));
            }
        }
    }

    /// `ln` of the sum over completions of `prod 1/x_ij!`:
    /// `ln(n! / (prod m_i! prod c_j!))` (the multinomial identity).
    fn mass(&self, key: &[u64], cols: &[u64]) -> f64 {
        let n: u64 = key.iter().sum();
        self.lf[n as usize]
            - key
                .iter()
                .chain(cols)
                .map(|&v| self.lf[v as usize])
                .sum::<f64>()
    }

    /// An upper bound of the largest completion value (see the module).
    fn highest(&self, key: &[u64], cols: &[u64]) -> f64 {
        let n: u64 = key.iter().sum();
        let ln_n = (n as f64).ln();
        let mut bound = 0.0;
        for &m in key {
            for &c in cols {
                if m == 0 || c == 0 {
                    continue;
                }
                // a_i + b_j = -ln(m c / n); the dual's linear terms sum to
                // sum_ij lambda_ij m c / n.
                let lambda = ln_n - (m as f64).ln() - (c as f64).ln();
                let cap = m.min(c);
                let x = ((-lambda).exp().floor() as u64).min(cap);
                bound += -self.lf[x as usize] - lambda * x as f64
                    + lambda * (m as f64) * (c as f64) / n as f64;
            }
        }
        bound
    }

    /// A lower bound of the smallest completion value (see the module).
    fn lowest(&self, key: &[u64], cols: &[u64]) -> f64 {
        let by_rows: f64 = key.iter().map(|&m| self.concentrated(m, cols)).sum();
        let by_cols: f64 = cols.iter().map(|&c| self.concentrated(c, key)).sum();
        -by_rows.min(by_cols)
    }

    /// The largest `sum ln x_j!` with `sum x_j = total` and `x_j <= cap_j`:
    /// the largest capacities filled first.
    fn concentrated(&self, total: u64, caps: &[u64]) -> f64 {
        let mut caps: Vec<u64> = caps.to_vec();
        caps.sort_unstable_by(|a, b| b.cmp(a));
        let mut left = total;
        let mut s = 0.0;
        for c in caps {
            let take = c.min(left);
            s += self.lf[take as usize];
            left -= take;
        }
        s
    }

    /// Every way to fill column `stage` from the totals `key`: calls `f`
    /// with the arc's value and the totals left (unsorted); returns how
    /// many.
    fn arcs(&self, stage: usize, key: &[u64], mut f: impl FnMut(f64, &[u64])) -> u64 {
        let total = self.stages[stage];
        let mut x = vec![0u64; key.len()];
        let mut left = key.to_vec();
        let mut count = 0;
        // Capacity of the rows after each index, to skip dead ends.
        let room: Vec<u64> = (0..key.len()).map(|i| key[i + 1..].iter().sum()).collect();
        fill(0, total, key, &room, &mut x, &mut |x| {
            count += 1;
            let v: f64 = -x.iter().map(|&xi| self.lf[xi as usize]).sum::<f64>();
            for ((l, &k), &xi) in left.iter_mut().zip(key).zip(x) {
                *l = k - xi;
            }
            f(v, &left);
        });
        count
    }

    /// Sends the open past values of `key` along every arc of `stage` to
    /// the nodes of the next stage.
    fn expand(
        &self,
        stage: usize,
        key: &[u64],
        open: &Pasts,
        next: &mut Level,
        p: &mut f64,
    ) -> u64 {
        let mut child = vec![0u64; key.len()];
        let arcs = self.arcs(stage, key, |v, left| {
            child.copy_from_slice(left);
            child.sort_unstable();
            if let Some(node) = next.get_mut(child.as_slice()) {
                self.arrive(node, open, v, p);
            } else {
                let mut node = self.node(stage + 1, &child);
                self.arrive(&mut node, open, v, p);
                next.insert(child.clone(), node);
            }
        });
        arcs * (1 + open.len() as u64)
    }

    /// With two columns left, each arc of the first fixes the second. A
    /// completion of value `v` counts for the open past values (ascending)
    /// up to `threshold - v`, a prefix found by binary search; its weight
    /// goes to the prefix's end, and each past value takes the sum of the
    /// weights beyond it.
    fn finish_two(&self, key: &[u64], open: &Pasts, p: &mut f64) -> u64 {
        let stage = self.stages.len() - 2;
        let mut values = Vec::new();
        let arcs = self.arcs(stage, key, |v, left| {
            values.push(v - left.iter().map(|&l| self.lf[l as usize]).sum::<f64>());
        });
        // Scaled by the largest value: the terms are far below f64's range.
        let top = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut ends = vec![0.0; open.len() + 1];
        for &v in &values {
            let end = open.partition_point(|&(past, _)| past + v <= self.threshold);
            ends[end] += (v - top).exp();
        }
        let mut beyond = 0.0;
        for (i, &(past, k)) in open.iter().enumerate().rev() {
            beyond += ends[i + 1];
            *p += k * beyond * (past + top + self.konst).exp();
        }
        arcs
    }
}

/// Every `x` with `sum x = total` and `x_i <= key_i`, from index `i` on.
fn fill(
    i: usize,
    total: u64,
    key: &[u64],
    room: &[u64],
    x: &mut [u64],
    f: &mut impl FnMut(&[u64]),
) {
    if i + 1 == key.len() {
        if total <= key[i] {
            x[i] = total;
            f(x);
        }
        return;
    }
    let lowest = total.saturating_sub(room[i]);
    for v in lowest..=total.min(key[i]) {
        x[i] = v;
        fill(i + 1, total - v, key, room, x, f);
    }
}

/// Sorts past values and merges those equal to 1e-12 relative (the same
/// sum of log-factorials reached by different paths, added in another
/// order).
fn merge(mut pasts: Pasts) -> Pasts {
    pasts.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut out: Pasts = Vec::with_capacity(pasts.len());
    for (v, k) in pasts {
        match out.last_mut() {
            Some(last) if (v - last.0).abs() <= 1e-12 * v.abs().max(1.0) => last.1 += k,
            _ => out.push((v, k)),
        }
    }
    out
}
