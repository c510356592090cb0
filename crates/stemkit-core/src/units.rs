//! Conversions between the units engineers speak in and the numbers the DSP uses.

/// Amplitude factor of a level in dB (`-inf` gives 0).
#[must_use]
pub fn db_to_gain(db: f64) -> f64 {
    10f64.powf(db / 20.0)
}

/// Level in dB of an amplitude factor (0 gives `-inf`).
#[must_use]
pub fn gain_to_db(gain: f64) -> f64 {
    20.0 * gain.abs().log10()
}

/// Whole samples nearest to `seconds` at `sample_rate`.
#[must_use]
pub fn seconds_to_samples(seconds: f64, sample_rate: f64) -> i64 {
    (seconds * sample_rate).round() as i64
}

/// Seconds per beat at `bpm`.
#[must_use]
pub fn beat_seconds(bpm: f64) -> f64 {
    60.0 / bpm
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_round_trips_and_known_points() {
        assert!((db_to_gain(-6.020_599_913_279_624) - 0.5).abs() < 1e-12);
        assert!((gain_to_db(2.0) - 6.020_599_913_279_624).abs() < 1e-12);
        assert_eq!(db_to_gain(f64::NEG_INFINITY), 0.0);
        assert_eq!(gain_to_db(0.0), f64::NEG_INFINITY);
        assert_eq!(seconds_to_samples(1.5, 48_000.0), 72_000);
        assert_eq!(beat_seconds(120.0), 0.5);
    }
}
