//! Streaming a set of files in lockstep, block by block, and the per-file figures
//! gathered on the way (meter, clips, strongest onset, waveform overview).
//!
//! Memory is bounded by the block size times the number of files: no file is held whole.

use std::path::Path;

use stemkit_core::AudioBuffer;
use stemkit_io::SourceReader;

use crate::meter::Meter;

/// Frames read per file per step.
pub const BLOCK: usize = 4096;
/// Pixel columns of a waveform overview.
pub const COLUMNS: usize = 1000;
/// A sample at or above this magnitude is at full scale: the largest 16-bit code
/// (32767/32768) and everything above it.
const FULL_SCALE: f32 = 32767.0 / 32768.0;
/// Hops that make up the "before" of an onset (4 x 10 ms).
const ONSET_HISTORY: usize = 4;

/// One file opened at the set's rate, read block by block.
pub struct Track {
    reader: Option<SourceReader>,
    pub buf: AudioBuffer,
    /// Valid frames in `buf` from the last step (the rest is zero).
    pub valid: usize,
    /// Why reading stopped early, naming the file.
    pub error: Option<String>,
}

impl Track {
    /// Opens `path` at `rate`, starting `shift` frames into the file (negative: that many
    /// frames of silence first).
    ///
    /// # Errors
    /// The decoder's message, which names the file.
    pub fn open(path: &Path, channels: usize, rate: u32, shift: i64) -> Result<Self, String> {
        let reader = SourceReader::open(path, rate, shift as f64 / f64::from(rate))
            .map_err(|e| e.to_string())?;
        Ok(Self {
            reader: Some(reader),
            buf: AudioBuffer::new(channels, BLOCK),
            valid: 0,
            error: None,
        })
    }

    pub fn channels(&self) -> usize {
        self.buf.channels()
    }

    fn step(&mut self) -> bool {
        self.buf.set_frames(BLOCK);
        self.valid = 0;
        if let Some(reader) = &mut self.reader {
            match reader.read(&mut self.buf) {
                Ok(n) => self.valid = n,
                Err(e) => self.error = Some(e.to_string()),
            }
            if self.valid < BLOCK {
                self.reader = None;
            }
        }
        for ch in self.buf.channels_mut() {
            ch[self.valid..].fill(0.0);
        }
        self.valid > 0
    }
}

/// Reads every track in steps of [`BLOCK`] frames until all have ended, calling
/// `each(position, tracks)` after every step. Shorter files read as silence past their end.
pub fn lockstep(tracks: &mut [Track], mut each: impl FnMut(u64, &[Track])) {
    let mut position = 0u64;
    loop {
        let mut any = false;
        for t in tracks.iter_mut() {
            any |= t.step();
        }
        if !any {
            break;
        }
        each(position, tracks);
        position += BLOCK as u64;
    }
}

/// Min and max per pixel column on a time axis shared by every lane.
#[derive(Clone, Debug, Default)]
pub struct Waveform {
    pub col_frames: u64,
    pub min: Vec<f32>,
    pub max: Vec<f32>,
}

impl Waveform {
    pub fn new(col_frames: u64) -> Self {
        Self {
            col_frames: col_frames.max(1),
            min: Vec::new(),
            max: Vec::new(),
        }
    }

    /// Adds `frames` frames of every channel of `block`, the first at `position`.
    pub fn add(&mut self, position: u64, block: &AudioBuffer, frames: usize) {
        for ch in block.iter_channels() {
            for (i, &s) in ch[..frames].iter().enumerate() {
                let col = ((position + i as u64) / self.col_frames) as usize;
                if col >= COLUMNS {
                    break;
                }
                if col >= self.min.len() {
                    self.min.resize(col + 1, 0.0);
                    self.max.resize(col + 1, 0.0);
                }
                self.min[col] = self.min[col].min(s);
                self.max[col] = self.max[col].max(s);
            }
        }
    }
}

/// Figures of one file gathered while it streams.
pub struct FileScan {
    pub meter: Meter,
    pub frames: u64,
    clip_run: usize,
    runs: Vec<usize>,
    pub clip_events: u64,
    pub longest_clip: usize,
    pub first_clip: Option<u64>,
    hop: usize,
    hop_fill: usize,
    hop_energy: f64,
    history: [f64; ONSET_HISTORY],
    /// Start frame of the 10 ms hop with the largest rise in energy over the 40 ms before.
    pub onset: Option<u64>,
    onset_strength: f64,
    pub waveform: Waveform,
}

impl FileScan {
    pub fn new(meter: Meter, channels: usize, rate: u32, clip_run: usize, col_frames: u64) -> Self {
        Self {
            meter,
            frames: 0,
            clip_run,
            runs: vec![0; channels],
            clip_events: 0,
            longest_clip: 0,
            first_clip: None,
            hop: (rate as usize / 100).max(1),
            hop_fill: 0,
            hop_energy: 0.0,
            history: [0.0; ONSET_HISTORY],
            onset: None,
            onset_strength: 0.0,
            waveform: Waveform::new(col_frames),
        }
    }

    /// Adds the valid frames of a track's block.
    pub fn add(&mut self, position: u64, track: &Track) {
        let frames = track.valid;
        if frames == 0 {
            return;
        }
        // Only the last block of a file is short; copying it is cheaper than a second path.
        let short;
        let block = if frames == track.buf.frames() {
            &track.buf
        } else {
            let mut b = track.buf.clone();
            b.set_frames(frames);
            short = b;
            &short
        };
        self.meter.add(block);
        self.waveform.add(position, block, frames);
        self.add_clips(position, block);
        self.add_onsets(position, block);
        self.frames += frames as u64;
    }

    fn add_clips(&mut self, position: u64, block: &AudioBuffer) {
        for (run, ch) in self.runs.iter_mut().zip(block.iter_channels()) {
            for (i, &s) in ch.iter().enumerate() {
                if s.abs() >= FULL_SCALE {
                    *run += 1;
                    if *run == self.clip_run {
                        self.clip_events += 1;
                        let start = position + i as u64 + 1 - self.clip_run as u64;
                        self.first_clip = Some(self.first_clip.map_or(start, |f| f.min(start)));
                    }
                    self.longest_clip = self.longest_clip.max(*run);
                } else {
                    *run = 0;
                }
            }
        }
    }

    fn add_onsets(&mut self, position: u64, block: &AudioBuffer) {
        for i in 0..block.frames() {
            self.hop_energy += block
                .iter_channels()
                .map(|c| f64::from(c[i]) * f64::from(c[i]))
                .sum::<f64>();
            self.hop_fill += 1;
            if self.hop_fill == self.hop {
                let before = self.history.iter().sum::<f64>() / ONSET_HISTORY as f64;
                let strength = self.hop_energy - before;
                if strength > self.onset_strength {
                    self.onset_strength = strength;
                    self.onset = Some(position + i as u64 + 1 - self.hop as u64);
                }
                self.history.rotate_left(1);
                self.history[ONSET_HISTORY - 1] = self.hop_energy;
                self.hop_energy = 0.0;
                self.hop_fill = 0;
            }
        }
    }
}
