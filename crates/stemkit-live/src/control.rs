//! What a control surface (web page, OSC, MIDI, the command line) may ask of the mix, and
//! the names and time base that turn a surface's words into it.
//!
//! A [`Control`] is small and `Copy`, with stems and returns as indices, so it travels to
//! the audio thread through a lock-free queue without allocating. Every control is checked
//! by [`Control::validate`] on the sending thread: the audio thread only ever sees values it
//! can apply.

use stemkit_session::Session;

/// Lowest and highest fader, send and master level in dB (the session file's ranges);
/// `-inf` is also accepted and means off.
pub const LEVEL_DB: (f64, f64) = (-144.0, 24.0);
/// Shortest loop, seconds: a loop shorter than a disk chunk would reopen the sources
/// faster than a disk can serve them.
pub const MIN_LOOP_SECONDS: f64 = 0.05;

/// One change to the transport or the mix.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Control {
    Play,
    Pause,
    /// Pause and return to the session start.
    Stop,
    /// Move the playhead to a timeline frame (0 = the session start).
    Seek {
        frame: u64,
    },
    /// Loop the timeline frames `start .. end`.
    Loop {
        start: u64,
        end: u64,
    },
    LoopOff,
    StemGain {
        stem: usize,
        db: f64,
    },
    StemMute {
        stem: usize,
        on: bool,
    },
    StemSolo {
        stem: usize,
        on: bool,
    },
    /// The DJ filter: -1 (low-pass, darkest) ..= 0 (off) ..= 1 (high-pass, thinnest).
    StemFilter {
        stem: usize,
        value: f64,
    },
    StemSend {
        stem: usize,
        ret: usize,
        db: f64,
    },
    ReturnGain {
        ret: usize,
        db: f64,
    },
    ReturnMute {
        ret: usize,
        on: bool,
    },
    MasterGain {
        db: f64,
    },
    MasterLimiter {
        on: bool,
    },
}

/// A control refused before it reached the audio thread, with the address it came as.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{address}: {problem}")]
pub struct ControlError {
    pub address: String,
    pub problem: String,
}

impl ControlError {
    pub(crate) fn new(address: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            address: address.into(),
            problem: problem.into(),
        }
    }
}

/// The stems and returns a surface may name, in session order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Names {
    pub stems: Vec<String>,
    pub returns: Vec<String>,
}

impl Names {
    #[must_use]
    pub fn of(session: &Session) -> Self {
        Self {
            stems: session.stems.iter().map(|s| s.name.clone()).collect(),
            returns: session.returns.iter().map(|r| r.name.clone()).collect(),
        }
    }

    #[must_use]
    pub fn stem(&self, name: &str) -> Option<usize> {
        self.stems.iter().position(|s| s == name)
    }

    #[must_use]
    pub fn ret(&self, name: &str) -> Option<usize> {
        self.returns.iter().position(|r| r == name)
    }
}

/// Frames, seconds and bars of one session.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeBase {
    pub sample_rate: u32,
    pub bpm: Option<f64>,
    /// Bars are counted in 4/4: the session format has no time signature.
    pub beats_per_bar: u32,
    /// Timeline frame where the last source ends.
    pub song_end: u64,
}

impl TimeBase {
    /// Timeline frame of `seconds` after the session start.
    #[must_use]
    pub fn frame_of_seconds(&self, seconds: f64) -> u64 {
        (seconds * f64::from(self.sample_rate)).round().max(0.0) as u64
    }

    /// Timeline frame where bar `bar` begins (bar 1 is the session start; fractions are
    /// parts of a bar), `None` without a tempo.
    #[must_use]
    pub fn frame_of_bar(&self, bar: f64) -> Option<u64> {
        let bpm = self.bpm?;
        let beats = (bar - 1.0) * f64::from(self.beats_per_bar);
        Some(self.frame_of_seconds(beats * 60.0 / bpm))
    }

    /// Bar position (1-based, fractional) of a timeline frame, `None` without a tempo.
    #[must_use]
    pub fn bar_of_frame(&self, frame: u64) -> Option<f64> {
        let bpm = self.bpm?;
        let beats = frame as f64 / f64::from(self.sample_rate) * bpm / 60.0;
        Some(1.0 + beats / f64::from(self.beats_per_bar))
    }
}

fn check_level(address: &str, db: f64) -> Result<(), ControlError> {
    if db == f64::NEG_INFINITY || (db.is_finite() && (LEVEL_DB.0..=LEVEL_DB.1).contains(&db)) {
        Ok(())
    } else {
        Err(ControlError::new(
            address,
            format!(
                "{db} dB is outside {} ..= {} dB (or -inf for off)",
                LEVEL_DB.0, LEVEL_DB.1
            ),
        ))
    }
}

impl Control {
    /// Checks indices and ranges against the session; `address` names the control in the
    /// error. Runs on the sending thread.
    ///
    /// # Errors
    /// An unknown stem or return, a non-finite or out-of-range value, a loop that is empty,
    /// too short or beyond the song.
    pub fn validate(&self, names: &Names, time: &TimeBase) -> Result<(), ControlError> {
        let address = crate::address::format(self, names).0;
        let stem_ok = |s: usize| {
            (s < names.stems.len())
                .then_some(())
                .ok_or_else(|| ControlError::new(&address, format!("no stem number {s}")))
        };
        let ret_ok = |r: usize| {
            (r < names.returns.len())
                .then_some(())
                .ok_or_else(|| ControlError::new(&address, format!("no return number {r}")))
        };
        match *self {
            Self::Play | Self::Pause | Self::Stop | Self::LoopOff | Self::MasterLimiter { .. } => {
                Ok(())
            }
            Self::Seek { frame } => {
                if frame > time.song_end {
                    return Err(ControlError::new(
                        address,
                        format!(
                            "frame {frame} is past the song end (frame {})",
                            time.song_end
                        ),
                    ));
                }
                Ok(())
            }
            Self::Loop { start, end } => {
                let min = time.frame_of_seconds(MIN_LOOP_SECONDS);
                if end <= start || end - start < min {
                    return Err(ControlError::new(
                        address,
                        format!(
                            "a loop must end after it starts and last at least {MIN_LOOP_SECONDS} s"
                        ),
                    ));
                }
                if start >= time.song_end {
                    return Err(ControlError::new(
                        address,
                        "the loop starts past the song end",
                    ));
                }
                Ok(())
            }
            Self::StemGain { stem, db } => {
                stem_ok(stem)?;
                check_level(&address, db)
            }
            Self::StemMute { stem, .. } | Self::StemSolo { stem, .. } => stem_ok(stem),
            Self::StemFilter { stem, value } => {
                stem_ok(stem)?;
                if value.is_finite() && (-1.0..=1.0).contains(&value) {
                    Ok(())
                } else {
                    Err(ControlError::new(
                        address,
                        format!("{value} is outside -1 ..= 1"),
                    ))
                }
            }
            Self::StemSend { stem, ret, db } => {
                stem_ok(stem)?;
                ret_ok(ret)?;
                check_level(&address, db)
            }
            Self::ReturnGain { ret, db } => {
                ret_ok(ret)?;
                check_level(&address, db)
            }
            Self::ReturnMute { ret, .. } => ret_ok(ret),
            Self::MasterGain { db } => check_level(&address, db),
        }
    }
}
