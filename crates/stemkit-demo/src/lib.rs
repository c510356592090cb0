//! Deterministic synthesis of an example multitrack session for stemkit.
//!
//! `stemkit demo` needs material a mixing engine must actually handle: a song at 124 BPM
//! in A minor with drums that have transients, a bass line, chords and pads, a singing
//! voice with formants, and noise effects, on mono and stereo tracks, some of which start
//! late. This crate synthesises it, with no file I/O: [`Demo::synth`] streams each
//! track's samples block by block in constant memory, and [`Demo::session_toml`] gives
//! the session file that mixes them into six stems.
//!
//! Everything is deterministic: the same options give bit-identical audio on every run
//! (own noise generators, a polynomial sine per sample; `exp`, `tan` and `powf` only per
//! note or control block, where another platform's libm could change the last bits), and
//! the output does not depend on the block size the caller uses.
#![forbid(unsafe_code)]

mod dsp;
mod kinds;
mod rng;
mod score;
mod session;
mod song;
mod synth;
mod voices;

use kinds::Kind;
use song::Song;
pub use synth::TrackSynth;

/// What to synthesise.
#[derive(Clone, Debug, PartialEq)]
pub struct DemoOptions {
    /// Number of tracks, at least 6 (one per stem). The first sixteen make a complete
    /// production; more add layers, doubles and extra percussion.
    pub tracks: usize,
    /// Length of the song; rounded to whole bars.
    pub seconds: f64,
    pub sample_rate: u32,
    pub bpm: f64,
    /// Whether the session uses the full processor set (compressors, saturation, reverb
    /// and delay returns, a master limiter). Without it the session uses only `eq` and
    /// `gain` inserts, and a return with a `gain` insert still exercises the sends.
    pub processing: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            tracks: 16,
            seconds: 60.0,
            sample_rate: 48_000,
            bpm: 124.0,
            processing: false,
        }
    }
}

/// An option out of its range, named as the option's field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionError {
    pub option: &'static str,
    pub message: String,
}

impl std::fmt::Display for OptionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.option, self.message)
    }
}

impl std::error::Error for OptionError {}

/// One track of the demo: what the session says about it and the shape of its file.
#[derive(Clone, Debug, PartialEq)]
pub struct DemoTrack {
    /// As on a console: "Kick In", "Snare Top", "OH", "Bass DI", "Lead Vox", "Riser 2".
    pub name: String,
    /// Path of its file relative to the session's folder, e.g. `audio/03_snare_top.wav`.
    pub file_name: String,
    /// One of Kick, Bass, Drums, Synths, Vocals, FX.
    pub stem: &'static str,
    pub channels: usize,
    /// Where the file starts on the timeline: an exact sample position
    /// (`at_seconds × sample_rate` is a whole number). Files of late entries are shorter.
    pub at_seconds: f64,
    /// Length of its file in frames.
    pub frames: u64,
    pub gain_db: f64,
    pub pan: f64,
    /// Whether the session inverts the track's polarity (the snare's bottom microphone).
    pub polarity: bool,
}

/// A synthesised demo session.
#[derive(Debug)]
pub struct Demo {
    options: DemoOptions,
    song: Song,
    lineup: Vec<(Kind, u32)>,
    tracks: Vec<DemoTrack>,
}

/// Lowercase ASCII words joined by `_`: "Hi-Hat 2" → "hi_hat_2".
fn slug(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join("_")
}

/// Offset of every track fader from the catalogue's balance: puts the peak of the
/// sixteen-track mix (unity stems, constant-power pan law) near -3 dBFS.
const HEADROOM_DB: f64 = -4.5;

/// Track faders come down as tracks are added, so the mix keeps its headroom: by the
/// power sum of uncorrelated sources, 10·log10(n / 16) dB past sixteen tracks.
fn trim_db(tracks: usize) -> f64 {
    HEADROOM_DB - 10.0 * (tracks.max(16) as f64 / 16.0).log10()
}

impl Demo {
    /// Lays out the session. Cheap: no audio is synthesised until [`Demo::synth`].
    ///
    /// # Errors
    /// An option out of range, by name.
    pub fn new(options: &DemoOptions) -> Result<Self, OptionError> {
        let err = |option, message: String| Err(OptionError { option, message });
        if !(6..=999).contains(&options.tracks) {
            return err(
                "tracks",
                format!(
                    "{} is outside 6 ..= 999 (one track per stem at least)",
                    options.tracks
                ),
            );
        }
        if !(options.seconds.is_finite() && (1.0..=3_600.0).contains(&options.seconds)) {
            return err(
                "seconds",
                format!("{} is outside 1 ..= 3600 s", options.seconds),
            );
        }
        if !(8_000..=384_000).contains(&options.sample_rate) {
            return err(
                "sample_rate",
                format!("{} is outside 8000 ..= 384000 Hz", options.sample_rate),
            );
        }
        if !(options.bpm.is_finite() && (40.0..=300.0).contains(&options.bpm)) {
            return err("bpm", format!("{} is outside 40 ..= 300", options.bpm));
        }
        let sr = f64::from(options.sample_rate);
        let song = Song::new(options.seconds, sr, options.bpm);
        let lineup = kinds::lineup(options.tracks);
        let digits = options.tracks.to_string().len().max(2);
        let tracks = lineup
            .iter()
            .enumerate()
            .map(|(i, &(kind, variant))| {
                let inst = kind.instrument();
                let name = if variant == 0 {
                    inst.name.to_owned()
                } else {
                    format!("{} {}", inst.name, variant + 1)
                };
                let at = song.bar_frame(kind.entry_bar(&song));
                // Layers mirror their original across the centre, or move off it.
                let pan = match (variant, inst.channels) {
                    (0, _) | (_, 2) => inst.pan,
                    (v, _) if inst.pan == 0.0 => {
                        if v % 2 == 1 {
                            -0.3
                        } else {
                            0.3
                        }
                    }
                    (v, _) => {
                        if v % 2 == 1 {
                            -inst.pan
                        } else {
                            inst.pan
                        }
                    }
                };
                DemoTrack {
                    file_name: format!("audio/{:0digits$}_{}.wav", i + 1, slug(&name)),
                    name,
                    stem: inst.stem,
                    channels: inst.channels,
                    at_seconds: at as f64 / sr,
                    frames: song.frames() - at,
                    gain_db: inst.fader_db + trim_db(options.tracks),
                    pan,
                    polarity: kind.flipped(),
                }
            })
            .collect();
        Ok(Self {
            options: options.clone(),
            song,
            lineup,
            tracks,
        })
    }

    #[must_use]
    pub fn options(&self) -> &DemoOptions {
        &self.options
    }

    #[must_use]
    pub fn tracks(&self) -> &[DemoTrack] {
        &self.tracks
    }

    /// Length of the song (whole bars) in frames: every track ends here.
    #[must_use]
    pub fn frames(&self) -> u64 {
        self.song.frames()
    }

    /// Length of the song in seconds.
    #[must_use]
    pub fn seconds(&self) -> f64 {
        self.song.frames() as f64 / f64::from(self.options.sample_rate)
    }

    /// A streaming synthesiser of track `i`'s file. Independent of every other track's,
    /// so tracks can be synthesised on several threads.
    ///
    /// # Panics
    /// When `i` is not a track index.
    #[must_use]
    pub fn synth(&self, i: usize) -> TrackSynth {
        let (kind, variant) = self.lineup[i];
        let t = &self.tracks[i];
        let sr = f64::from(self.options.sample_rate);
        let voice = kind.voice(variant, sr as f32);
        let at = self.song.frames() - t.frames;
        TrackSynth::new(voice, self.song.clone(), t.channels, at, t.frames, sr)
    }

    /// The session file (TOML, DESIGN §4) that mixes the tracks into the six stems.
    #[must_use]
    pub fn session_toml(&self) -> String {
        session::session_toml(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_file_safe() {
        assert_eq!(slug("Hi-Hat 2"), "hi_hat_2");
        assert_eq!(slug("OH"), "oh");
        assert_eq!(slug("Sub 808"), "sub_808");
    }

    #[test]
    fn options_out_of_range_are_named() {
        let bad = |f: fn(&mut DemoOptions)| {
            let mut o = DemoOptions::default();
            f(&mut o);
            Demo::new(&o).unwrap_err().option
        };
        assert_eq!(bad(|o| o.tracks = 5), "tracks");
        assert_eq!(bad(|o| o.seconds = f64::NAN), "seconds");
        assert_eq!(bad(|o| o.sample_rate = 100), "sample_rate");
        assert_eq!(bad(|o| o.bpm = 0.0), "bpm");
    }
}
