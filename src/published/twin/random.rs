//! The twin's random draws: ChaCha8 with hand-written uniform, normal and
//! shuffle steps, so that the stream (and the file) is the same on every
//! platform and crate version.

use rand::RngExt;
use rand::rngs::ChaCha8Rng;

pub(super) fn uniform(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

pub(super) fn int_between(rng: &mut ChaCha8Rng, lo: i64, hi: i64) -> String {
    rng.random_range(lo..=hi).to_string()
}

/// Standard normal deviate by the Box-Muller transform.
pub(super) fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Fisher-Yates shuffle.
pub(super) fn shuffle<T>(v: &mut [T], rng: &mut ChaCha8Rng) {
    for i in (1..v.len()).rev() {
        let j = rng.random_range(0..=i);
        v.swap(i, j);
    }
}

pub(super) fn round_to(x: f64, decimals: usize) -> f64 {
    let f = 10f64.powi(decimals as i32);
    (x * f).round() / f
}
