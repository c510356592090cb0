//! Streaming one track's file: the voice is driven along the song's grid and control
//! points, so memory stays constant however long the song, and any block size gives the
//! same samples.

use crate::dsp::CONTROL;
use crate::song::Song;
use crate::voices::Voice;
use stemkit_core::AudioBuffer;

/// The files end with a short linear fade, so a last sound still ringing does not click.
const FADE_SECONDS: f64 = 0.25;

/// A streaming synthesiser of one track's file.
pub struct TrackSynth {
    voice: Box<dyn Voice>,
    song: Song,
    channels: usize,
    /// Timeline frame of the file's first sample.
    at: u64,
    frames: u64,
    pos: u64,
    next_tick: u64,
    next_tick_frame: u64,
    fade_frames: u64,
}

impl std::fmt::Debug for TrackSynth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrackSynth")
            .field("channels", &self.channels)
            .field("frames", &self.frames)
            .field("pos", &self.pos)
            .finish_non_exhaustive()
    }
}

impl TrackSynth {
    pub(crate) fn new(
        voice: Box<dyn Voice>,
        song: Song,
        channels: usize,
        at: u64,
        frames: u64,
        sample_rate: f64,
    ) -> Self {
        let next_tick = song.first_tick_from(at);
        let next_tick_frame = song.tick_frame(next_tick);
        let fade_frames = ((FADE_SECONDS * sample_rate) as u64).clamp(1, frames.max(1));
        Self {
            voice,
            song,
            channels,
            at,
            frames,
            pos: 0,
            next_tick,
            next_tick_frame,
            fade_frames,
        }
    }

    /// Channels of the file: 1 or 2.
    #[must_use]
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Frames still to come.
    #[must_use]
    pub fn frames_left(&self) -> u64 {
        self.frames - self.pos
    }

    /// Writes the next `min(out.frames(), frames_left())` frames into the first frames of
    /// `out` and returns how many; 0 once the file is complete. Frames of `out` past that
    /// count are left as they were. Never allocates.
    ///
    /// # Panics
    /// When `out` does not have [`TrackSynth::channels`] channels.
    pub fn fill(&mut self, out: &mut AudioBuffer) -> usize {
        assert_eq!(
            out.channels(),
            self.channels,
            "a {}-channel track cannot fill a {}-channel buffer",
            self.channels,
            out.channels()
        );
        let n = (out.frames() as u64).min(self.frames_left()) as usize;
        let start = self.pos;
        let mut done = 0;
        while done < n {
            let now = self.at + self.pos;
            if now == self.next_tick_frame {
                if let Some(beat) = self.song.beat(self.next_tick) {
                    self.voice.tick(&beat);
                }
                self.next_tick += 1;
                self.next_tick_frame = self.song.tick_frame(self.next_tick);
            }
            let phase = (self.pos % CONTROL as u64) as usize;
            if phase == 0 {
                self.voice.control();
            }
            let to_tick = (self.next_tick_frame - now) as usize;
            let len = (n - done).min(CONTROL - phase).min(to_tick);
            let span = done..done + len;
            if self.channels == 1 {
                self.voice.render(&mut out.channel_mut(0)[span], &mut []);
            } else {
                let (l, r) = out.stereo_mut();
                self.voice.render(&mut l[span.clone()], &mut r[span]);
            }
            done += len;
            self.pos += len as u64;
        }
        self.fade(out, start, n);
        n
    }

    /// Applies the closing fade to the frames `start .. start + n` of the file, written at
    /// the head of `out`.
    fn fade(&self, out: &mut AudioBuffer, start: u64, n: usize) {
        let fade_from = self.frames - self.fade_frames;
        let end = start + n as u64;
        if end <= fade_from {
            return;
        }
        let first = fade_from.saturating_sub(start) as usize;
        let scale = 1.0 / self.fade_frames as f64;
        for ch in out.channels_mut() {
            for (i, s) in ch[first..n].iter_mut().enumerate() {
                let frame = start + (first + i) as u64;
                *s *= ((self.frames - frame) as f64 * scale) as f32;
            }
        }
    }
}
