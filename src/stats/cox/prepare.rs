//! Preparing a Cox fit's rows: processing order (by time within strata,
//! walked backwards), centred covariates, and identical rows merged into
//! one with a count (found through a stamped open-addressing table).

use super::*;

/// Covariates by row, centred on their means (the partial likelihood does
/// not change, and exp(x'b) stays in range), and each row's stratum.
pub(super) fn centred_rows(
    columns: &[Vec<f64>],
    strata: Option<&[usize]>,
    n: usize,
) -> (Rows, Vec<usize>) {
    let means = column_means(columns, n);
    let mut data = Vec::with_capacity(n * columns.len());
    for i in 0..n {
        data.extend(columns.iter().zip(&means).map(|(c, m)| c[i] - m));
    }
    (
        Rows {
            data,
            n,
            p: columns.len(),
        },
        strata.map_or_else(|| vec![0; n], <[usize]>::to_vec),
    )
}

/// The mean of each covariate column over its n rows.
pub(super) fn column_means(columns: &[Vec<f64>], n: usize) -> Vec<f64> {
    columns
        .iter()
        .map(|c| c.iter().sum::<f64>() / n as f64)
        .collect()
}

/// The mean of each covariate column over the patients the rows stand
/// for, row i counting `counts[i]` times.
pub(super) fn counted_means(columns: &[Vec<f64>], counts: &[usize]) -> Vec<f64> {
    let total: usize = counts.iter().sum();
    columns
        .iter()
        .map(|c| {
            c.iter()
                .zip(counts)
                .map(|(x, &k)| x * k as f64)
                .sum::<f64>()
                / total as f64
        })
        .collect()
}

/// The processing order: by stratum, then decreasing time, so that risk
/// sets grow as the scan goes back in time. Rows that arrive sorted by
/// increasing time within non-decreasing strata (the analysis sorts each
/// endpoint once) are walked backwards within each stratum in O(n) instead
/// of being sorted again; the order within tied times does not change the
/// sums at that time.
pub(super) fn processing_order(time: &[f64], strata: Option<&[usize]>) -> Vec<usize> {
    let n = time.len();
    let stratum = |i: usize| strata.map_or(0, |s| s[i]);
    let ascending = (1..n).all(|i| {
        let (a, b) = (stratum(i - 1), stratum(i));
        a < b || (a == b && time[i - 1] <= time[i])
    });
    if ascending {
        let mut order = Vec::with_capacity(n);
        let mut start = 0;
        while start < n {
            let end = (start..n)
                .find(|&i| stratum(i) != stratum(start))
                .unwrap_or(n);
            order.extend((start..end).rev());
            start = end;
        }
        return order;
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        stratum(a)
            .cmp(&stratum(b))
            .then(time[b].total_cmp(&time[a]))
    });
    order
}

/// The rows in processing order (see [`processing_order`]), identical rows
/// merged (see [`Data`]), with optional case weights (a merged row weighs
/// the sum of its rows' weights) or counts (each given row stands for
/// `counts[i]` identical patients, merged beforehand).
pub(super) fn prepare(
    time: &[f64],
    event: &[bool],
    columns: &[Vec<f64>],
    strata: Option<&[usize]>,
    case: Option<&[f64]>,
    counts: Option<&[usize]>,
) -> Data {
    let order = processing_order(time, strata);
    let n = time.len();
    let p = columns.len();
    let stratum = |i: usize| strata.map_or(0, |s| s[i]);
    let means = match counts {
        None => column_means(columns, n),
        Some(c) => counted_means(columns, c),
    };
    let mut d = Data {
        time: Vec::new(),
        event: Vec::new(),
        count: Vec::new(),
        weight: Vec::new(),
        x: Rows {
            data: Vec::new(),
            n: 0,
            p,
        },
        strata: Vec::new(),
        row_of: vec![0; n],
        case: case.map(<[f64]>::to_vec),
    };
    // Each merged row's first row, whose covariates as given are compared
    // exactly (the centred copy in `d.x` may round two different values
    // alike; a copy of the uncentred ones would double the memory), and the
    // previous merged row of the same time with the same hash.
    let (mut first, mut chain): (Vec<usize>, Vec<usize>) = (Vec::new(), Vec::new());
    let mut latest = Latest::new();
    let mut k = 0;
    while k < n {
        let i0 = order[k];
        let mut end = k + 1;
        while end < n && time[order[end]] == time[i0] && stratum(order[end]) == stratum(i0) {
            end += 1;
        }
        latest.reset(end - k);
        for &i in &order[k..end] {
            // Rows of a time block are compared only when it has more than one.
            let hash = if end - k > 1 {
                row_hash(event[i], columns, i)
            } else {
                0
            };
            let same =
                |m: usize| d.event[m] == event[i] && columns.iter().all(|c| c[first[m]] == c[i]);
            let mut m = latest.get(hash).unwrap_or(usize::MAX);
            while m != usize::MAX && !same(m) {
                m = chain[m];
            }
            if m == usize::MAX {
                m = d.time.len();
                chain.push(latest.insert(hash, m).unwrap_or(usize::MAX));
                first.push(i);
                d.time.push(time[i]);
                d.event.push(event[i]);
                d.count.push(0);
                d.strata.push(stratum(i));
                d.x.data
                    .extend(columns.iter().zip(&means).map(|(c, mean)| c[i] - mean));
            }
            d.count[m] += counts.map_or(1, |c| c[i]);
            d.row_of[i] = m;
        }
        k = end;
    }
    d.x.n = d.time.len();
    d.weight = match case {
        None => d.count.iter().map(|&c| c as f64).collect(),
        Some(w) => {
            let mut sums = vec![0.0; d.count.len()];
            for (i, &m) in d.row_of.iter().enumerate() {
                sums[m] += w[i];
            }
            sums
        }
    };
    d
}

/// FxHash-style mix of a row's status and covariate bits (only used to
/// find candidate duplicates; equality is then checked exactly).
pub(super) fn row_hash(event: bool, columns: &[Vec<f64>], i: usize) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = u64::from(event).wrapping_mul(K);
    for c in columns {
        h = (h.rotate_left(5) ^ c[i].to_bits()).wrapping_mul(K);
    }
    h
}

/// The latest merged row of each row hash within one time block: an
/// open-addressing table that is emptied in O(1) per block by a stamp
/// (blocks are many and mostly small, so clearing a map per block, or
/// hashing its keys again, cost more than the merge itself).
pub(super) struct Latest {
    pub(super) slots: Vec<Slot>,
    pub(super) now: u32,
    pub(super) shift: u32,
}

/// One entry of [`Latest`], its fields side by side so that a probe reads
/// one cache line.
#[derive(Clone, Copy, Default)]
pub(super) struct Slot {
    pub(super) hash: u64,
    pub(super) row: usize,
    pub(super) stamp: u32,
}

impl Latest {
    pub(super) fn new() -> Latest {
        Latest {
            slots: Vec::new(),
            now: 0,
            shift: 64,
        }
    }

    /// Empties the table, sized for `rows` keys (at most half full).
    pub(super) fn reset(&mut self, rows: usize) {
        let size = (2 * rows).next_power_of_two().max(8);
        if size > self.slots.len() || self.now == u32::MAX {
            let size = size.max(self.slots.len());
            self.slots = vec![Slot::default(); size];
            self.now = 0;
            self.shift = 64 - size.trailing_zeros();
        }
        self.now += 1;
    }

    /// The slot of `hash`, or the empty slot where it would go. The high bits
    /// pick the start: they are the well-mixed ones of a multiplicative hash.
    pub(super) fn slot(&self, hash: u64) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = (hash >> self.shift) as usize;
        while self.slots[i].stamp == self.now && self.slots[i].hash != hash {
            i = (i + 1) & mask;
        }
        i
    }

    pub(super) fn get(&self, hash: u64) -> Option<usize> {
        let s = self.slots[self.slot(hash)];
        (s.stamp == self.now).then_some(s.row)
    }

    /// Sets the row of `hash`, returning the one it replaces.
    pub(super) fn insert(&mut self, hash: u64, row: usize) -> Option<usize> {
        let i = self.slot(hash);
        let old = (self.slots[i].stamp == self.now).then_some(self.slots[i].row);
        self.slots[i] = Slot {
            hash,
            row,
            stamp: self.now,
        };
        old
    }
}

/// An n x p matrix stored by row in one allocation.
pub(super) struct Rows {
    pub(super) data: Vec<f64>,
    pub(super) n: usize,
    pub(super) p: usize,
}

impl Rows {
    pub(super) fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.p..(i + 1) * self.p]
    }
}
