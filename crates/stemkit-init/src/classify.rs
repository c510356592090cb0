//! A role from the audio features, for tracks whose name says nothing, with the
//! measurements that decided written out for the session's comments.
//!
//! The order follows how an engineer listens: a steady low pitch is a bass; other low
//! material is a kick when it comes in separate hits, a kit in a room when it is busy or
//! noisy, an effect when it is a rare boom. Pitched material is percussion when it is
//! short hits with silence between, a voice when its pitch keeps moving inside notes
//! (vibrato, glides), an instrument when it holds its pitch. Unpitched material is drums
//! when it is made of hits, a chordal instrument when its spectrum is tonal, and an
//! effect otherwise (risers, sweeps, reversed cymbals).
//!
//! The thresholds were set on stemkit's demo material and hold on any track whose
//! sounds are clear examples of their kind; the comment in the session says what was
//! measured, so a wrong guess is easy to see and move.

use crate::features::{Features, LOW_HZ};
use crate::role::Role;

/// Share of energy below 120 Hz from which a track with a steady low pitch is a bass.
const BASS_LOW: f64 = 0.25;
/// A bass's median pitch is below this, Hz.
const BASS_PITCH_HZ: f64 = 120.0;
/// Share of energy below 120 Hz from which a track is low end.
const LOW_END: f64 = 0.5;
/// Share of pitched frames from which a track is an instrument or a voice.
const PITCHED: f64 = 0.4;
/// Pitch movement inside notes of a voice, cents per second: above a held synth note
/// (< 150) and below the pitch sweep of a tom or a detuned arpeggio (> 1500).
const VOICE_DRIFT: std::ops::Range<f64> = 200.0..1500.0;
/// A pitch that moves less than this inside notes is steady, cents per second.
const STEADY_DRIFT: f64 = 150.0;
/// Onsets per second of loud time from which a track is made of hits.
const HIT_DENSITY: f64 = 2.0;
/// Spectral flatness below which unpitched material is still tonal (chords, pads).
const TONAL_FLATNESS: f64 = 0.01;

/// The role the features point to, and why, in words.
#[must_use]
pub fn classify(f: &Features) -> (Role, String) {
    // Onsets per second of the time the track is loud: every hit of a drum starts with
    // an onset, a riser sounds for seconds without one.
    let density = f.onsets_per_s / f.sustain.max(1e-3);
    let low = format!(
        "{:.0} % of its energy below {LOW_HZ:.0} Hz",
        100.0 * f.low_share
    );
    let hits = format!(
        "{:.1} onsets/s ({density:.1} per loud second)",
        f.onsets_per_s
    );
    let sustain = format!("sustain {:.2}", f.sustain);
    let centroid = format!("centroid {:.0} Hz", f.centroid_hz);
    let pitched = format!("{:.0} % of frames pitched", 100.0 * f.pitched);
    let drift = f.pitch_drift.unwrap_or(0.0);
    let moving = format!("pitch moving {drift:.0} cents/s inside notes");
    let steady_low_pitch =
        f.pitched >= 0.5 && drift < STEADY_DRIFT && f.pitch_hz.is_some_and(|p| p < BASS_PITCH_HZ);
    if f.low_share >= BASS_LOW && steady_low_pitch {
        let hz = f.pitch_hz.unwrap_or(0.0);
        return (
            Role::Bass,
            format!("{low}, a steady pitch around {hz:.0} Hz ({pitched}, {moving})"),
        );
    }
    if f.low_share >= LOW_END {
        if f.onsets_per_s >= 3.5 || f.flatness >= TONAL_FLATNESS {
            return (
                Role::Drums,
                format!(
                    "{low} with busy or noisy hits, a kit from a distance ({hits}, flatness {:.3})",
                    f.flatness
                ),
            );
        }
        if density >= HIT_DENSITY && f.onsets_per_s >= 0.5 {
            return (
                Role::Kick,
                format!("{low} in separate short hits ({hits}, {sustain}, {centroid})"),
            );
        }
        if f.onsets_per_s < 0.5 {
            return (
                Role::Fx,
                format!("{low} in rare events ({hits}, {sustain}), booms or impacts"),
            );
        }
        return (Role::Bass, format!("{low}, held ({sustain}, {hits})"));
    }
    if f.pitched >= PITCHED {
        if f.sustain < 0.15 && density >= 3.0 {
            return (
                Role::Drums,
                format!("{pitched} but in short hits with silence between ({hits}, {sustain})"),
            );
        }
        if VOICE_DRIFT.contains(&drift) {
            return (
                Role::LeadVocal,
                format!("{pitched}, {moving} (vibrato and glides of a voice), {centroid}"),
            );
        }
        return (
            Role::Synth,
            format!("{pitched}, {moving} (a held or played pitch), {centroid}"),
        );
    }
    if density >= HIT_DENSITY && f.onsets_per_s >= 0.2 {
        return (
            Role::Drums,
            format!("unpitched hits ({pitched}, {hits}, {sustain}, {centroid})"),
        );
    }
    if f.flatness < TONAL_FLATNESS {
        return (
            Role::Synth,
            format!(
                "held tonal sound with few clear pitches, chords or pads ({pitched}, flatness {:.3}, {hits})",
                f.flatness
            ),
        );
    }
    (
        Role::Fx,
        format!(
            "unpitched, noise-like, few hits ({pitched}, flatness {:.3}, {hits}, {centroid})",
            f.flatness
        ),
    )
}
