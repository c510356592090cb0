//! A source file read at the session rate from a given offset: decode, skip, resample.
//!
//! # Where output frame 0 lands
//! Output frame 0 is the source at `offset_seconds`, rounded to the finest instant both
//! rates share: `1 / lcm(source_rate, target_rate)` seconds. That is the nearest source
//! frame when the rates match, 1/147 of an output frame for 44.1 → 48 kHz, half an output
//! frame for 96 → 48 kHz. Offsets that come from a DAW (whole source frames) are hit
//! exactly. The start is reached by an accurate seek where the format allows and
//! decode-and-discard of the rest, then by dropping whole output frames of the resampler
//! (whose own delay is removed exactly, see [`crate::Resampler`]).
//!
//! A negative offset starts with that much silence before the source's first frame.

use std::path::Path;

use stemkit_core::AudioBuffer;

use crate::IoError;
use crate::decode::{DecodeStream, SourceInfo};
use crate::resample::{Resampler, gcd, output_len};

/// One source file streamed at `target_rate` from an offset.
///
/// Opened and read on a worker (or the main) thread: it does file I/O and must never run
/// on the audio callback. The live host reads ahead with it on a worker thread.
pub struct SourceReader {
    stream: DecodeStream,
    target_rate: u32,
    /// Silent frames (at the source rate) still to hand out before the source itself.
    lead: u64,
    resampler: Option<Resampler>,
    /// Output frames still to come, when the header told the length.
    remaining: Option<u64>,
}

impl SourceReader {
    /// Opens `path`, yielding audio at `target_rate` (resampled when the source rate
    /// differs) such that output frame 0 is the source at `offset_seconds` (see the module
    /// doc for the rounding).
    ///
    /// # Errors
    /// Everything [`crate::probe`] reports; [`IoError::Invalid`] for a zero target rate or
    /// a non-finite offset; errors of the skip to the offset.
    pub fn open(path: &Path, target_rate: u32, offset_seconds: f64) -> Result<Self, IoError> {
        if target_rate == 0 {
            return Err(IoError::invalid(path, "target sample rate is 0 Hz"));
        }
        if !offset_seconds.is_finite() {
            return Err(IoError::invalid(
                path,
                format!("offset {offset_seconds} s is not a number"),
            ));
        }
        let mut stream = DecodeStream::open(path)?;
        let info = stream.info().clone();
        let g = gcd(u64::from(info.sample_rate), u64::from(target_rate));
        let down = u64::from(info.sample_rate) / g;
        let up = u64::from(target_rate) / g;
        let start = Start::solve(offset_seconds, down, up, g);

        let mut resampler = None;
        if info.sample_rate != target_rate {
            let mut r =
                Resampler::new(info.sample_rate, target_rate, info.channels).map_err(|e| {
                    IoError::Unsupported {
                        path: path.into(),
                        detail: e.to_string(),
                    }
                })?;
            r.skip_output(start.skip_out);
            resampler = Some(r);
        }
        let fed = info
            .frames
            .map(|n| (i128::from(n) - start.first).max(0) as u64);
        let remaining = fed.map(|f| output_len(f, down, up).saturating_sub(start.skip_out));
        let mut lead = 0;
        if start.first < 0 {
            lead = start.first.unsigned_abs() as u64;
        } else if remaining != Some(0) {
            stream.skip_to(start.first as u64)?;
        }
        Ok(Self {
            stream,
            target_rate,
            lead,
            resampler,
            remaining,
        })
    }

    /// The source as its header describes it (its own rate, not the target rate).
    #[must_use]
    pub fn info(&self) -> &SourceInfo {
        self.stream.info()
    }

    #[must_use]
    pub fn target_rate(&self) -> u32 {
        self.target_rate
    }

    /// Fills `out` (planar, `out.channels()` == source channels) with up to `out.frames()`
    /// frames; returns the number written (< `out.frames()` only at the end of the source;
    /// 0 when exhausted). Frames past the returned count are left as they were.
    ///
    /// # Errors
    /// [`IoError::Invalid`] on a channel mismatch; [`IoError::Corrupt`],
    /// [`IoError::Truncated`] or [`IoError::Read`] from the file.
    pub fn read(&mut self, out: &mut AudioBuffer) -> Result<usize, IoError> {
        let channels = self.stream.info().channels;
        if out.channels() != channels {
            return Err(IoError::invalid(
                &self.stream.info().path,
                format!(
                    "read into a {}-channel buffer; the source has {channels}",
                    out.channels()
                ),
            ));
        }
        if self.remaining == Some(0) {
            return Ok(0);
        }
        let (stream, lead) = (&mut self.stream, &mut self.lead);
        let n = match &mut self.resampler {
            Some(r) => r.read(out, |planes, range| {
                let start = range.start;
                if *lead > 0 {
                    let n = range
                        .len()
                        .min(usize::try_from(*lead).unwrap_or(usize::MAX));
                    for p in planes.iter_mut() {
                        p[start..start + n].fill(0.0);
                    }
                    *lead -= n as u64;
                    return Ok(n);
                }
                stream.take(range.len(), |c, s| {
                    planes[c][start..start + s.len()].copy_from_slice(s);
                })
            })?,
            None => {
                let want = out.frames();
                let mut done = 0;
                while done < want {
                    if *lead > 0 {
                        let n = (want - done).min(usize::try_from(*lead).unwrap_or(usize::MAX));
                        for ch in out.channels_mut() {
                            ch[done..done + n].fill(0.0);
                        }
                        *lead -= n as u64;
                        done += n;
                        continue;
                    }
                    let n = if channels == 2 {
                        let (l, r) = out.stereo_mut();
                        stream.take_into(&mut [l, r], done, want - done)?
                    } else {
                        stream.take_into(&mut [out.channel_mut(0)], done, want - done)?
                    };
                    if n == 0 {
                        break;
                    }
                    done += n;
                }
                done
            }
        };
        if n < out.frames() {
            self.remaining = Some(0);
        } else if let Some(r) = &mut self.remaining {
            *r = r.saturating_sub(n as u64);
        }
        Ok(n)
    }

    /// Frames the source yields at the target rate from the offset to its end, when known.
    #[must_use]
    pub fn remaining_frames(&self) -> Option<u64> {
        self.remaining
    }
}

/// Where reading starts, on the grid of `1 / lcm(source_rate, target_rate)` seconds.
#[derive(Debug, PartialEq, Eq)]
struct Start {
    /// First source frame fed to the converter (negative: that many silent frames first).
    first: i128,
    /// Output frames of the converter to drop after its delay.
    skip_out: u64,
}

impl Start {
    /// With `source_rate = down * g` and `target_rate = up * g`, source frame `n` sits at
    /// `n * up` grid ticks and converter output `m` at `first * up + m * down`; the start
    /// is the tick nearest the offset, reached with the latest `first` that allows it.
    fn solve(offset_seconds: f64, down: u64, up: u64, g: u64) -> Self {
        let ticks_per_second = (down * up * g) as f64;
        let t = (offset_seconds * ticks_per_second).round() as i128;
        let (up, down) = (i128::from(up), i128::from(down));
        let mut first = t.div_euclid(up);
        while (t - first * up).rem_euclid(down) != 0 {
            first -= 1;
        }
        Self {
            first,
            skip_out: ((t - first * up) / down) as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_rate_offsets_round_to_the_nearest_frame() {
        assert_eq!(
            Start::solve(1.0, 1, 1, 48_000),
            Start {
                first: 48_000,
                skip_out: 0
            }
        );
        assert_eq!(
            Start::solve(0.5 / 48_000.0 * 1.2, 1, 1, 48_000),
            Start {
                first: 1,
                skip_out: 0
            }
        );
        assert_eq!(
            Start::solve(-0.001, 1, 1, 48_000),
            Start {
                first: -48,
                skip_out: 0
            }
        );
    }

    #[test]
    fn resampled_offsets_land_on_the_shared_grid() {
        // 44.1 k -> 48 k: down 147, up 160, g 300.
        for offset in [0.0, 0.25, 1.0 / 44_100.0 * 12_345.0, 0.1234567, 3.0 + 1e-5] {
            let s = Start::solve(offset, 147, 160, 300);
            assert!(s.first >= 0 && s.skip_out < 160, "{s:?}");
            let start_time = s.first as f64 / 44_100.0 + s.skip_out as f64 / 48_000.0;
            assert!(
                (start_time - offset).abs() <= 0.5 / 7_056_000.0 + 1e-12,
                "{offset}: {s:?}"
            );
        }
        // A whole source frame is hit with no output frames dropped.
        assert_eq!(
            Start::solve(44_100.0 / 44_100.0, 147, 160, 300),
            Start {
                first: 44_100,
                skip_out: 0
            }
        );
    }
}
