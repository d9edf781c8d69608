//! Properties that must hold for any data (proptest): Kaplan-Meier stays a
//! survival curve, results do not depend on row order or the time unit,
//! the log-rank test equals the Cox score test without ties, and matching
//! respects its caliper and never reuses a control; numbers in the data
//! are read exactly as the standard parser reads them.

use proptest::prelude::*;
use studybook::stats::{cox, kaplan_meier, log_rank, matching};

/// Survival data: (time, event, group) rows with times from a small grid
/// (so that ties occur) or distinct.
fn survival_rows(max_n: usize) -> impl Strategy<Value = Vec<(f64, bool, usize)>> {
    prop::collection::vec((1u32..60, any::<bool>(), 0usize..2), 6..max_n)
        .prop_map(|v| v.into_iter().map(|(t, e, g)| (t as f64, e, g)).collect())
}

fn has_both_groups_with_events(rows: &[(f64, bool, usize)]) -> bool {
    (0..2).all(|g| rows.iter().any(|r| r.2 == g && r.1))
        && (0..2).all(|g| rows.iter().filter(|r| r.2 == g).count() >= 2)
}

proptest! {
    // A fixed seed: the same cases on every run and machine; no failure files.
    #![proptest_config(ProptestConfig {
        cases: 128,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20_250_101),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    // S(t) is non-increasing in [0, 1] and every CI contains it.
    #[test]
    fn kaplan_meier_is_a_survival_curve(rows in survival_rows(80)) {
        let time: Vec<f64> = rows.iter().map(|r| r.0).collect();
        let event: Vec<bool> = rows.iter().map(|r| r.1).collect();
        let km = kaplan_meier::fit(&time, &event);
        for w in km.surv.windows(2) {
            prop_assert!(w[1] <= w[0]);
        }
        for conf in [kaplan_meier::ConfType::Log, kaplan_meier::ConfType::LogLog, kaplan_meier::ConfType::Plain] {
            let (lo, up) = km.limits(conf, 0.95);
            for (i, &s) in km.surv.iter().enumerate() {
                prop_assert!((0.0..=1.0).contains(&s));
                if let (Some(l), Some(u)) = (lo[i], up[i]) {
                    prop_assert!(l <= s + 1e-12 && s <= u + 1e-12, "{l} {s} {u}");
                }
            }
        }
    }

    // Reordering rows changes neither the log-rank statistic nor the Cox fit.
    #[test]
    fn results_do_not_depend_on_row_order(rows in survival_rows(60), seed in any::<u64>()) {
        prop_assume!(has_both_groups_with_events(&rows));
        let mut shuffled = rows.clone();
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let fit = |r: &[(f64, bool, usize)]| {
            let t: Vec<f64> = r.iter().map(|x| x.0).collect();
            let e: Vec<bool> = r.iter().map(|x| x.1).collect();
            let g: Vec<usize> = r.iter().map(|x| x.2).collect();
            let x = vec![g.iter().map(|&v| v as f64).collect::<Vec<f64>>()];
            (log_rank::test(&t, &e, &g, 2, None, 0.0).chisq, cox::fit(&t, &e, &x, None, cox::Ties::Efron).ok().map(|f| f.coef[0]))
        };
        let (a, b) = (fit(&rows), fit(&shuffled));
        prop_assert!((a.0 - b.0).abs() <= 1e-9 * a.0.abs().max(1.0));
        if let (Some(x), Some(y)) = (a.1, b.1) {
            prop_assert!((x - y).abs() <= 1e-9 * x.abs().max(1.0));
        }
    }

    // Rows already sorted by time (the analysis sorts each endpoint once and
    // the Cox code then skips its own sort), rows in random order, and
    // cluster ids far apart (a sparse table instead of a dense one) give the
    // same fit and the same robust variance, with strata or without.
    #[test]
    fn sorted_rows_and_cluster_labels_change_no_cox_result(rows in survival_rows(60), seed in any::<u64>(), stratified in any::<bool>()) {
        prop_assume!(has_both_groups_with_events(&rows));
        // (time, event, group, cluster, stratum): pairs of consecutive rows share a cluster.
        let tagged: Vec<(f64, bool, usize, usize, usize)> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.0, r.1, r.2, i / 2, if stratified { i % 2 } else { 0 }))
            .collect();
        let mut shuffled = tagged.clone();
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let mut sorted = tagged.clone();
        sorted.sort_by(|a, b| a.4.cmp(&b.4).then(a.0.total_cmp(&b.0)));
        let run = |r: &[(f64, bool, usize, usize, usize)], spread: usize| {
            let t: Vec<f64> = r.iter().map(|x| x.0).collect();
            let e: Vec<bool> = r.iter().map(|x| x.1).collect();
            let x = vec![r.iter().map(|x| x.2 as f64).collect::<Vec<f64>>()];
            let cluster: Vec<usize> = r.iter().map(|x| x.3 * spread).collect();
            let strata: Vec<usize> = r.iter().map(|x| x.4).collect();
            let strata = stratified.then_some(strata.as_slice());
            // A diverging coefficient (monotone likelihood) stops wherever
            // the iterations do; only finite estimates are comparable.
            let fit = cox::fit(&t, &e, &x, strata, cox::Ties::Efron).ok().filter(|f| f.infinite.is_empty())?;
            let v = cox::robust_variance(&t, &e, &x, strata, cox::Ties::Efron, &fit, &cluster);
            Some((fit.coef[0], fit.loglik, v[0][0]))
        };
        let reference = run(&tagged, 1);
        prop_assume!(reference.is_some());
        for other in [run(&shuffled, 1), run(&sorted, 1), run(&sorted, 1_000_003)] {
            match (reference, other) {
                (Some(a), Some(b)) => {
                    prop_assert!((a.0 - b.0).abs() <= 1e-9 * a.0.abs().max(1.0), "{a:?} {b:?}");
                    prop_assert!((a.1 - b.1).abs() <= 1e-9 * a.1.abs().max(1.0), "{a:?} {b:?}");
                    prop_assert!((a.2 - b.2).abs() <= 1e-9 * a.2.abs().max(1e-12), "{a:?} {b:?}");
                }
                (_, b) => prop_assert!(b.is_some()),
            }
        }
    }

    // Multiplying every time by a constant (a change of unit) changes no
    // test or hazard ratio: they depend on the order of times only.
    #[test]
    fn results_do_not_depend_on_the_time_unit(rows in survival_rows(60), scale in 0.01f64..100.0) {
        prop_assume!(has_both_groups_with_events(&rows));
        let run = |k: f64| {
            let t: Vec<f64> = rows.iter().map(|x| x.0 * k).collect();
            let e: Vec<bool> = rows.iter().map(|x| x.1).collect();
            let g: Vec<usize> = rows.iter().map(|x| x.2).collect();
            let x = vec![g.iter().map(|&v| v as f64).collect::<Vec<f64>>()];
            (log_rank::test(&t, &e, &g, 2, None, 0.0).p, cox::fit(&t, &e, &x, None, cox::Ties::Breslow).ok().map(|f| f.coef[0]))
        };
        let (a, b) = (run(1.0), run(scale));
        if let (Some(x), Some(y)) = (a.0, b.0) {
            prop_assert!((x - y).abs() <= 1e-9 * x.abs().max(1e-300));
        }
        if let (Some(x), Some(y)) = (a.1, b.1) {
            prop_assert!((x - y).abs() <= 1e-9 * x.abs().max(1.0));
        }
    }

    // With no tied event times the log-rank statistic is the Cox score test.
    #[test]
    fn log_rank_is_the_cox_score_test_without_ties(n in 6usize..60, events in prop::collection::vec(any::<bool>(), 60), groups in prop::collection::vec(0usize..2, 60)) {
        let t: Vec<f64> = (0..n).map(|i| i as f64 + 1.0).collect();
        let e: Vec<bool> = events[..n].to_vec();
        let g: Vec<usize> = groups[..n].to_vec();
        prop_assume!(has_both_groups_with_events(&t.iter().zip(&e).zip(&g).map(|((a, b), c)| (*a, *b, *c)).collect::<Vec<_>>()));
        let x = vec![g.iter().map(|&v| v as f64).collect::<Vec<f64>>()];
        let lr = log_rank::test(&t, &e, &g, 2, None, 0.0);
        if let Ok(fit) = cox::fit(&t, &e, &x, None, cox::Ties::Efron) {
            prop_assert!((lr.chisq - fit.score_test.statistic).abs() <= 1e-9 * lr.chisq.abs().max(1.0));
        }
    }

    // Without replacement no control is used twice, and no pair is farther
    // apart than the caliper.
    #[test]
    fn matching_respects_caliper_and_reuses_no_control(
        d in prop::collection::vec(0.0f64..1.0, 4..120),
        f in prop::collection::vec(any::<bool>(), 120),
        ratio in 1usize..3,
        caliper in 0.001f64..0.3,
    ) {
        let focal: Vec<bool> = f[..d.len()].to_vec();
        let order = matching::processing_order(&d, &focal, matching::MatchOrder::Largest);
        let m = matching::nearest(&d, &focal, &order, matching::NearestOptions { ratio, caliper: Some(caliper), replace: false });
        let mut used = std::collections::HashSet::new();
        for (i, controls) in m.iter().enumerate() {
            prop_assert!(controls.len() <= ratio);
            for &c in controls {
                prop_assert!(focal[i] && !focal[c]);
                prop_assert!((d[i] - d[c]).abs() <= caliper);
                prop_assert!(used.insert(c), "control {c} used twice");
            }
        }
    }

    // Numbers read from the data are bit for bit what Rust's correctly
    // rounding parser gives, whatever the digits, sign, point and padding.
    #[test]
    fn numbers_parse_as_the_standard_parser(
        sign in prop::sample::select(vec!["", "-", "+"]),
        int in prop_oneof!["[0-9]{0,6}", "[0-9]{0,20}"],
        point in any::<bool>(),
        frac in prop_oneof![3 => "[0-9]{0,6}", 1 => "[0-9]{0,24}"],
        pad in prop::sample::select(vec!["", " ", "\t"]),
    ) {
        let text = format!("{pad}{sign}{int}{}{frac}{pad}", if point { "." } else { "" });
        let expected = text.trim().parse::<f64>().ok().filter(|x| x.is_finite());
        let got = studybook::data::parse_number(&text);
        prop_assert_eq!(got.map(f64::to_bits), expected.map(f64::to_bits), "{:?}", text);
    }

    // Shortest round-trip text of any finite double reads back exactly.
    #[test]
    fn formatted_doubles_read_back(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
        for text in [format!("{x}"), format!("{x:.3}"), format!("{x:e}")] {
            prop_assert_eq!(studybook::data::parse_number(&text).map(f64::to_bits), text.parse::<f64>().ok().map(f64::to_bits));
        }
    }
}
