//! Pan law and balance.
//!
//! A mono source into a stereo bus follows the constant-power (sine) taper, scaled so the
//! centre sits exactly at the session's `pan_law_db`:
//! `L = c·cos θ`, `R = c·sin θ`, `θ = (pan + 1)·π/4`, `c = √2 · 10^(pan_law_db/20)`.
//! At the classic -3.01 dB law a hard pan is unity; at a 0 dB law the centre is unity and a
//! hard pan is +3 dB, as DAWs with a gain-compensated sine law do. A stereo source's pan
//! is a balance control: at 0 both channels pass unchanged, and turning it attenuates the
//! opposite channel linearly to silence at ±1.

use std::f64::consts::{FRAC_PI_4, SQRT_2};

use stemkit_core::units::db_to_gain;

/// `(left, right)` gains of a mono source at `pan` (-1 ..= 1) under `pan_law_db`.
#[must_use]
pub fn pan_gains(pan: f64, pan_law_db: f64) -> (f64, f64) {
    let theta = (pan.clamp(-1.0, 1.0) + 1.0) * FRAC_PI_4;
    let c = SQRT_2 * db_to_gain(pan_law_db);
    (c * theta.cos(), c * theta.sin())
}

/// `(left, right)` gains of a stereo source's balance control at `pan` (-1 ..= 1).
#[must_use]
pub fn balance_gains(pan: f64) -> (f64, f64) {
    let p = pan.clamp(-1.0, 1.0);
    ((1.0 - p).min(1.0), (1.0 + p).min(1.0))
}

/// Per-output-channel gains of a track of `track_channels` feeding a bus of
/// `bus_channels`: the pan law for a mono source into a stereo bus, the balance control
/// for a stereo source (into a mono bus it is then folded as (L + R) / 2 by the buffer's
/// mix rule), unity otherwise.
#[must_use]
pub fn track_pan_gains(
    track_channels: usize,
    bus_channels: usize,
    pan: f64,
    pan_law_db: f64,
) -> [f32; 2] {
    let (l, r) = match (track_channels, bus_channels) {
        (1, 2) => pan_gains(pan, pan_law_db),
        (2, _) => balance_gains(pan),
        _ => (1.0, 1.0),
    };
    [l as f32, r as f32]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(g: f64) -> f64 {
        20.0 * g.log10()
    }

    #[test]
    fn centre_sits_at_the_law() {
        for law in [0.0, -3.0, -4.5, -6.0] {
            let (l, r) = pan_gains(0.0, law);
            assert!(
                (db(l) - law).abs() < 1e-9 && (db(r) - law).abs() < 1e-9,
                "{law}: {l} {r}"
            );
        }
    }

    #[test]
    fn power_is_constant_across_the_field() {
        for p in [-1.0, -0.5, 0.0, 0.3, 1.0] {
            let (l, r) = pan_gains(p, -3.0);
            assert!((l * l + r * r - 2.0 * db_to_gain(-3.0).powi(2)).abs() < 1e-12);
        }
        let (l, r) = pan_gains(-1.0, 20.0 * std::f64::consts::FRAC_1_SQRT_2.log10());
        assert!((l - 1.0).abs() < 1e-12 && r.abs() < 1e-12);
    }

    #[test]
    fn balance_is_transparent_at_centre() {
        assert_eq!(balance_gains(0.0), (1.0, 1.0));
        assert_eq!(balance_gains(0.5), (0.5, 1.0));
        assert_eq!(balance_gains(-1.0), (1.0, 0.0));
    }
}
