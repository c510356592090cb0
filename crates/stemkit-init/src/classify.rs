//! A role from the audio features, for tracks whose name says nothing, with the
//! measurements that decided written out for the session's comments.
//!
//! The order follows how an engineer listens: is it low (kick or bass)? is it pitched
//! (a voice when the pitch moves, an instrument when it holds)? is it a run of hits
//! (drums)? what is left is an effect.

use crate::features::{Features, LOW_HZ};
use crate::role::Role;

/// Share of energy below 120 Hz from which a track is low end.
const LOW_END: f64 = 0.5;
/// Below this sustain a low track is hits (a kick), above it notes (a bass).
const HITS_SUSTAIN: f64 = 0.45;
/// Share of pitched frames from which a track is an instrument or a voice.
const PITCHED: f64 = 0.4;
/// Pitch movement inside notes from which a pitched track is a voice, cents per second.
const VOICE_DRIFT: f64 = 150.0;
/// Onsets per second from which an unpitched track is percussion.
const HITS_PER_S: f64 = 1.0;

/// The role the features point to, and why, in words.
#[must_use]
pub fn classify(f: &Features) -> (Role, String) {
    let low = format!(
        "{:.0} % of its energy below {LOW_HZ:.0} Hz",
        100.0 * f.low_share
    );
    let hits = format!("{:.1} onsets/s", f.onsets_per_s);
    let sustain = format!("sustain {:.2}", f.sustain);
    let centroid = format!("centroid {:.0} Hz", f.centroid_hz);
    let pitched = format!("{:.0} % of frames pitched", 100.0 * f.pitched);
    let drift = f.pitch_drift.map_or_else(String::new, |d| {
        format!(", pitch moving {d:.0} cents/s inside notes")
    });
    if f.low_share >= LOW_END {
        return if f.sustain < HITS_SUSTAIN && f.onsets_per_s >= 0.5 {
            (
                Role::Kick,
                format!("{low} in short hits ({hits}, {sustain}, {centroid})"),
            )
        } else {
            (
                Role::Bass,
                format!("{low}, held notes ({sustain}, {hits}, {centroid})"),
            )
        };
    }
    if f.pitched >= PITCHED {
        return match f.pitch_drift {
            Some(d) if d >= VOICE_DRIFT => (
                Role::LeadVocal,
                format!("{pitched}{drift} (vibrato and glides of a voice), {centroid}"),
            ),
            _ => (
                Role::Synth,
                format!("{pitched}{drift} (a steady pitch), {centroid}, {low}"),
            ),
        };
    }
    if f.onsets_per_s >= HITS_PER_S {
        return (
            Role::Drums,
            format!("unpitched ({pitched}), {hits}, {sustain}, {centroid}"),
        );
    }
    (
        Role::Fx,
        format!(
            "unpitched ({pitched}), few hits ({hits}), flatness {:.2}, {centroid}",
            f.flatness
        ),
    )
}
