//! The `pairs` bootstrap from merged profiles. A replicate draws matched
//! pairs with replacement and refits the treatment's Cox model on the
//! drawn patients; patients alike in time, status and group are one row of
//! that model with a count. So the matched patients are merged into such
//! profiles once per endpoint, and a replicate only counts how often each
//! profile is drawn and fits those counts (`cox::fit_counted`): the work
//! of a replicate is the draw plus a fit on the profiles, not a sort and
//! merge of every drawn patient.
//!
//! The model is the one `cox::fit` fits on the drawn patients, row for row
//! and sum for sum: the Cox code merges alike patients itself, the
//! treatment's mean is a ratio of the same integers, and the profiles are
//! handed over latest time first and, within a time, in the order the
//! draw first reached them, which is the order the fit on the patients
//! (a stable sort by decreasing time of the drawn list) gives its merged
//! rows.

use crate::matching::MatchOutput;
use crate::stats::cox::{self, Ties};
use rand::RngExt;
use rand::rngs::ChaCha8Rng;
use std::collections::{BTreeMap, HashMap};

/// What every `pairs` replicate shares: the pairs and each endpoint's
/// profiles.
pub(super) struct Pairs {
    /// The matched cohort's rows of each pair, in increasing pair id.
    members: Vec<Vec<usize>>,
    /// Per endpoint asked for, its profiles (none when the matched cohort
    /// lacks the endpoint).
    endpoints: Vec<Option<Profiles>>,
}

/// One endpoint's matched patients merged into profiles.
struct Profiles {
    /// Each profile's follow-up time.
    time: Vec<f64>,
    /// Its status.
    event: Vec<bool>,
    /// 1 for the second group, 0 for the reference.
    treated: Vec<f64>,
    /// Each matched patient's profile; `None` without a time or status.
    of: Vec<Option<usize>>,
}

impl Pairs {
    /// Pairs and profiles of the match `matched` for the endpoints `ids`.
    pub(super) fn new(matched: &MatchOutput, ids: &[&str]) -> Pairs {
        let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (i, &p) in matched.pair_of.iter().enumerate() {
            members.entry(p).or_default().push(i);
        }
        let m = &matched.matched;
        Pairs {
            members: members.into_values().collect(),
            endpoints: ids
                .iter()
                .map(|id| {
                    let e = m.endpoints.get(*id)?;
                    Some(Profiles::new(&e.time, &e.event, &m.group))
                })
                .collect(),
        }
    }

    /// One replicate: as many pairs as the match has, drawn with
    /// replacement (every member of a drawn pair enters once per draw),
    /// and the hazard ratio of each endpoint.
    pub(super) fn replicate(&self, ties: Ties, rng: &mut ChaCha8Rng) -> Vec<Option<f64>> {
        let n = self.members.len();
        if n == 0 {
            return vec![None; self.endpoints.len()];
        }
        let draws: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
        self.endpoints
            .iter()
            .map(|e| e.as_ref()?.hazard_ratio(&self.members, &draws, ties))
            .collect()
    }
}

impl Profiles {
    /// Profiles of the patients with follow-up `time` and `event` in
    /// `group` (1 is the second group).
    fn new(time: &[Option<f64>], event: &[Option<bool>], group: &[usize]) -> Profiles {
        let mut p = Profiles {
            time: Vec::new(),
            event: Vec::new(),
            treated: Vec::new(),
            of: Vec::with_capacity(group.len()),
        };
        let mut index: HashMap<(u64, bool, bool), usize> = HashMap::new();
        for (i, &g) in group.iter().enumerate() {
            let (Some(t), Some(ev)) = (time[i], event[i]) else {
                p.of.push(None);
                continue;
            };
            // -0.0 and 0.0 are one time to the Cox code.
            let t = t + 0.0;
            let q = *index.entry((t.to_bits(), ev, g == 1)).or_insert_with(|| {
                p.time.push(t);
                p.event.push(ev);
                p.treated.push(f64::from(u8::from(g == 1)));
                p.time.len() - 1
            });
            p.of.push(Some(q));
        }
        p
    }

    /// The treatment's hazard ratio among the patients of the pairs
    /// `draws` (indices into `members`, a pair once per draw).
    fn hazard_ratio(&self, members: &[Vec<usize>], draws: &[usize], ties: Ties) -> Option<f64> {
        let mut count = vec![0usize; self.time.len()];
        let mut seen = Vec::new();
        for &d in draws {
            for q in members[d].iter().filter_map(|&i| self.of[i]) {
                if count[q] == 0 {
                    seen.push(q);
                }
                count[q] += 1;
            }
        }
        // Latest time first, a time's profiles in the order first drawn
        // (the sort is stable): the fit on the patients' merged rows.
        seen.sort_by(|&a, &b| self.time[b].total_cmp(&self.time[a]));
        let time: Vec<f64> = seen.iter().map(|&q| self.time[q]).collect();
        let event: Vec<bool> = seen.iter().map(|&q| self.event[q]).collect();
        let x = vec![seen.iter().map(|&q| self.treated[q]).collect::<Vec<f64>>()];
        let counts: Vec<usize> = seen.iter().map(|&q| count[q]).collect();
        let fit = cox::fit_counted(&time, &event, &x, &counts, ties).ok()?;
        (fit.infinite.is_empty() && fit.coef[0].is_finite()).then(|| fit.coef[0].exp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// The hazard ratio of `cox::fit` on the drawn patients themselves, in
    /// draw order (what the bootstrap fitted before the profiles).
    fn on_the_patients(
        (time, event, group): (&[Option<f64>], &[Option<bool>], &[usize]),
        members: &[Vec<usize>],
        draws: &[usize],
        ties: Ties,
    ) -> Option<f64> {
        let rows: Vec<usize> = draws
            .iter()
            .flat_map(|&d| members[d].iter().copied())
            .filter(|&i| time[i].is_some() && event[i].is_some())
            .collect();
        let t: Vec<f64> = rows.iter().filter_map(|&i| time[i]).collect();
        let e: Vec<bool> = rows.iter().filter_map(|&i| event[i]).collect();
        let x = vec![
            rows.iter()
                .map(|&i| f64::from(u8::from(group[i] == 1)))
                .collect(),
        ];
        let fit = cox::fit(&t, &e, &x, None, ties).ok()?;
        (fit.infinite.is_empty() && fit.coef[0].is_finite()).then(|| fit.coef[0].exp())
    }

    // Awkward pairs: tied times across and within pairs, a time of -0.0
    // beside 0.0, a patient without a time, a pair of three, both
    // statuses at one time. Every replicate's hazard ratio from the
    // profiles is the one of the drawn patients, to the last bit, under
    // both ties methods (a replicate drawing a pair twice counts its
    // patients twice).
    #[test]
    fn profiles_give_the_hazard_ratio_of_the_drawn_patients() {
        let time = [
            Some(2.0),
            Some(2.0),
            Some(0.0),
            Some(-0.0),
            Some(5.0),
            None,
            Some(5.0),
            Some(5.0),
            Some(7.5),
            Some(2.0),
            Some(9.0),
            Some(3.0),
            Some(3.0),
        ];
        let event = [
            Some(true),
            Some(true),
            Some(true),
            Some(false),
            Some(true),
            Some(true),
            Some(false),
            Some(true),
            Some(true),
            Some(false),
            Some(true),
            Some(true),
            Some(false),
        ];
        let group = [0, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1];
        let members = vec![
            vec![0, 1],
            vec![2, 3],
            vec![4, 5, 6],
            vec![7, 8],
            vec![9, 10],
            vec![11, 12],
        ];
        let p = Profiles::new(&time, &event, &group);
        let mut fitted = 0;
        for ties in [Ties::Efron, Ties::Breslow] {
            let mut rng = ChaCha8Rng::seed_from_u64(7);
            for _ in 0..200 {
                let draws: Vec<usize> = (0..members.len())
                    .map(|_| rng.random_range(0..members.len()))
                    .collect();
                let got = p.hazard_ratio(&members, &draws, ties);
                let want = on_the_patients((&time, &event, &group), &members, &draws, ties);
                assert_eq!(
                    got.map(f64::to_bits),
                    want.map(f64::to_bits),
                    "draws {draws:?}"
                );
                fitted += usize::from(got.is_some());
            }
        }
        // Most replicates have a hazard ratio: the comparison is not of Nones.
        assert!(fitted > 200, "{fitted}");
    }
}
