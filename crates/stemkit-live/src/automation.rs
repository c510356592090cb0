//! The capture file: a performance as text, one entry per line, that
//! `stemkit render SESSION --automation FILE` plays back.
//!
//! ```text
//! # stemkit automation 1
//! # sample_rate 48000
//! # block 64
//! # session Night Drive
//! 0 /stemkit/transport/play
//! 96000 /stemkit/stem/Drums/gain_db -6.5
//! 96000 /stemkit/stem/Bass/mute 1
//! 120064 /stemkit/stall 30
//! 480000 /stemkit/end
//! ```
//!
//! Each line is the output frame (counted from the first block the output played) and a
//! message of the live address space (see [`crate::address`]) in its canonical form, with
//! numbers written so they read back to the same bits. Two entries exist only here:
//! `/stemkit/stall N` (the disk delivered N frames too few in that block; a replay leaves
//! the same gap) and `/stemkit/end` (the performance's length). Frames are multiples of
//! the block size, because controls take effect at block starts; a replay uses the same
//! block size, which is what makes it equal to the recording sample for sample.

use std::path::Path;

use crate::LiveError;
use crate::address;
use crate::control::{Control, Names, TimeBase};

/// The first line of every capture file.
const MAGIC: &str = "# stemkit automation 1";
const STALL: &str = "/stemkit/stall";
const END: &str = "/stemkit/end";

/// What a replay must match: the rate and the block size of the performance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub sample_rate: u32,
    pub block: usize,
    pub session: String,
}

impl Header {
    pub(crate) fn to_text(&self) -> String {
        format!(
            "{MAGIC}\n# sample_rate {}\n# block {}\n# session {}\n",
            self.sample_rate, self.block, self.session
        )
    }
}

/// One line of a capture file.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Entry {
    Control(Control),
    /// Frames the disk did not deliver in that block.
    Stall(u32),
    End,
}

impl Entry {
    /// The entry as a line at `frame`.
    pub(crate) fn line(&self, frame: u64, names: &Names) -> String {
        match self {
            Self::Control(c) => {
                let (address, args) = address::format(c, names);
                let mut line = format!("{frame} {address}");
                for a in args {
                    line.push_str(&format!(" {a}"));
                }
                line.push('\n');
                line
            }
            Self::Stall(n) => format!("{frame} {STALL} {n}\n"),
            Self::End => format!("{frame} {END}\n"),
        }
    }
}

/// A capture file read back.
#[derive(Clone, Debug, PartialEq)]
pub struct Automation {
    pub header: Header,
    /// Entries in file order, each at its output frame; the last is [`Entry::End`].
    pub entries: Vec<(u64, Entry)>,
}

impl Automation {
    /// Frames the performance lasted.
    #[must_use]
    pub fn length(&self) -> u64 {
        self.entries.last().map_or(0, |(f, _)| *f)
    }

    /// Reads and checks `path` against the session's names and time base.
    ///
    /// # Errors
    /// [`LiveError::File`] when it cannot be read; [`LiveError::Automation`] naming the line
    /// of anything that would not replay exactly: a missing header, a message the session
    /// does not know, a frame off the block grid or out of order, a missing end line.
    pub fn read(path: &Path, names: &Names, time: &TimeBase) -> Result<Self, LiveError> {
        let text = std::fs::read_to_string(path).map_err(|source| LiveError::File {
            path: path.to_path_buf(),
            source,
        })?;
        let bad = |line: usize, message: String| LiveError::Automation {
            path: path.to_path_buf(),
            line,
            message,
        };
        let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim()));
        if lines.next().map(|(_, l)| l) != Some(MAGIC) {
            return Err(bad(
                1,
                format!("not a stemkit capture file (the first line must be \"{MAGIC}\")"),
            ));
        }
        let (mut rate, mut block, mut session) = (None, None, String::new());
        let mut entries: Vec<(u64, Entry)> = Vec::new();
        for (n, line) in lines {
            if line.is_empty() {
                continue;
            }
            if let Some(h) = line.strip_prefix('#') {
                let (key, value) = h.trim().split_once(' ').unwrap_or((h.trim(), ""));
                match key {
                    "sample_rate" => {
                        rate = Some(
                            value
                                .parse::<u32>()
                                .map_err(|e| bad(n, format!("sample_rate: {e}")))?,
                        )
                    }
                    "block" => {
                        block = Some(
                            value
                                .parse::<usize>()
                                .map_err(|e| bad(n, format!("block: {e}")))?,
                        )
                    }
                    "session" => value.clone_into(&mut session),
                    _ => {}
                }
                continue;
            }
            if entries.last().is_some_and(|(_, e)| *e == Entry::End) {
                return Err(bad(n, "an entry after the end line".into()));
            }
            let mut words = line.split_whitespace();
            let frame: u64 = words
                .next()
                .and_then(|w| w.parse().ok())
                .ok_or_else(|| bad(n, "a line must start with its frame number".into()))?;
            let addr = words
                .next()
                .ok_or_else(|| bad(n, "no address after the frame".into()))?;
            let args = words
                .map(|w| {
                    w.parse::<f64>()
                        .map_err(|_| bad(n, format!("\"{w}\" is not a number")))
                })
                .collect::<Result<Vec<f64>, _>>()?;
            let Some(block) = block.filter(|&b| b > 0) else {
                return Err(bad(n, "the header has no block size".into()));
            };
            if !frame.is_multiple_of(block as u64) {
                return Err(bad(
                    n,
                    format!("frame {frame} is not at a block start (block {block})"),
                ));
            }
            if entries.last().is_some_and(|(f, _)| *f > frame) {
                return Err(bad(n, format!("frame {frame} comes before the line above")));
            }
            let entry = match (addr, args.as_slice()) {
                (STALL, [k]) if k.fract() == 0.0 && (0.0..=block as f64).contains(k) => {
                    Entry::Stall(*k as u32)
                }
                (STALL, _) => {
                    return Err(bad(
                        n,
                        format!("{STALL} takes one frame count up to the block size"),
                    ));
                }
                (END, []) => Entry::End,
                _ => match address::parse(addr, &args, names, time) {
                    Ok(Some(c)) => Entry::Control(c),
                    Ok(None) => continue,
                    Err(e) => return Err(bad(n, e.to_string())),
                },
            };
            entries.push((frame, entry));
        }
        let header = Header {
            sample_rate: rate.ok_or_else(|| bad(1, "the header has no sample_rate".into()))?,
            block: block.ok_or_else(|| bad(1, "the header has no block size".into()))?,
            session,
        };
        if header.sample_rate != time.sample_rate {
            return Err(bad(
                1,
                format!(
                    "recorded at {} Hz; the session runs at {} Hz",
                    header.sample_rate, time.sample_rate
                ),
            ));
        }
        if entries.last().map(|(_, e)| *e) != Some(Entry::End) {
            return Err(bad(
                text.lines().count(),
                format!("no {END} line: the capture was not finished"),
            ));
        }
        Ok(Self { header, entries })
    }
}

impl Header {
    /// Reads just the header of a capture file (to build a replay with its block size).
    ///
    /// # Errors
    /// As [`Automation::read`], for the header lines.
    pub fn read(path: &Path) -> Result<Self, LiveError> {
        let text = std::fs::read_to_string(path).map_err(|source| LiveError::File {
            path: path.to_path_buf(),
            source,
        })?;
        let bad = |message: &str| LiveError::Automation {
            path: path.to_path_buf(),
            line: 1,
            message: message.to_owned(),
        };
        if text.lines().next().map(str::trim) != Some(MAGIC) {
            return Err(bad(&format!(
                "not a stemkit capture file (the first line must be \"{MAGIC}\")"
            )));
        }
        let value = |key: &str| {
            text.lines()
                .take_while(|l| l.starts_with('#'))
                .find_map(|l| {
                    l.trim_start_matches('#')
                        .trim()
                        .strip_prefix(key)
                        .map(|v| v.trim().to_owned())
                })
        };
        Ok(Self {
            sample_rate: value("sample_rate ")
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| bad("the header has no sample_rate"))?,
            block: value("block ")
                .and_then(|v| v.parse().ok())
                .filter(|&b: &usize| b > 0)
                .ok_or_else(|| bad("the header has no block size"))?,
            session: value("session ").unwrap_or_default(),
        })
    }
}
