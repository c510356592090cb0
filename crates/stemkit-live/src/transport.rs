//! Play, pause, stop, seek and loop, with a short fade wherever the sources would
//! otherwise start or stop mid-waveform.
//!
//! The fade is counted in source frames taken from the stream, not in output frames: when
//! the disk is late (or refilling after a seek) the fade simply waits for the audio, so a
//! stall never turns into a hard start. A pause, stop or seek while playing fades out
//! first and takes effect when the fade ends; play during that fade cancels the pause.

use stemkit_core::AudioBuffer;

use crate::control::Control;
use crate::meters::TransportState;
use crate::stream::StreamReader;

/// Fade length in frames (5 ms at 48 kHz; scaled to the rate).
fn fade_frames(sample_rate: u32) -> u32 {
    (sample_rate / 200).max(1)
}

pub(crate) struct Transport {
    state: TransportState,
    pub(crate) playhead: u64,
    pub(crate) looped: Option<(u64, u64)>,
    /// Source gain in steps of 1 / `fade`: 0 silent, `fade` full.
    level: u32,
    fade: u32,
    fading_out: bool,
    /// What happens when the fade-out ends.
    then_state: Option<TransportState>,
    then_seek: Option<u64>,
    /// Set by a seek until audio from the new place arrives: a stall then is a refill,
    /// not an underrun.
    refilling: bool,
}

/// What one block took from the stream.
pub(crate) struct Took {
    pub(crate) wanted: usize,
    pub(crate) got: usize,
    /// The shortfall is a disk underrun (not a refill after a seek).
    pub(crate) underrun: bool,
}

impl Transport {
    pub(crate) fn new(sample_rate: u32) -> Self {
        Self {
            state: TransportState::Stopped,
            playhead: 0,
            looped: None,
            level: 0,
            fade: fade_frames(sample_rate),
            fading_out: false,
            then_state: None,
            then_seek: None,
            // The disk thread is still reading the first chunks.
            refilling: true,
        }
    }

    pub(crate) fn state(&self) -> TransportState {
        self.state
    }

    /// Audio thread: applies a transport control (mix controls are not the transport's).
    pub(crate) fn apply(&mut self, control: &Control, stream: &mut StreamReader) {
        let playing = self.state == TransportState::Playing;
        match *control {
            Control::Play => {
                self.then_state = None;
                if !playing {
                    self.state = TransportState::Playing;
                    self.level = 0;
                }
                self.fading_out = self.then_seek.is_some();
            }
            Control::Pause if playing => self.fade_out_then(Some(TransportState::Paused), None),
            Control::Stop if playing => self.fade_out_then(Some(TransportState::Stopped), Some(0)),
            Control::Seek { frame } if playing => self.fade_out_then(None, Some(frame)),
            Control::Pause => {}
            Control::Stop => {
                self.state = TransportState::Stopped;
                self.jump(0, stream);
            }
            Control::Seek { frame } => self.jump(frame, stream),
            Control::Loop { start, end } => {
                self.looped = Some((start, end));
                stream.set_loop(self.looped, self.playhead);
            }
            Control::LoopOff => {
                self.looped = None;
                stream.set_loop(None, self.playhead);
            }
            _ => {}
        }
    }

    fn fade_out_then(&mut self, state: Option<TransportState>, seek: Option<u64>) {
        self.fading_out = true;
        if state.is_some() {
            self.then_state = state;
        }
        if seek.is_some() {
            self.then_seek = seek;
        }
    }

    fn jump(&mut self, frame: u64, stream: &mut StreamReader) {
        self.playhead = frame;
        self.refilling = true;
        stream.seek(frame, self.looped);
    }

    /// Audio thread: fills `sources` (one buffer per track, `n` frames) for the next block
    /// and advances the playhead. `limit` caps the frames taken (a replay reproducing a
    /// recorded stall).
    pub(crate) fn take(
        &mut self,
        stream: &mut StreamReader,
        sources: &mut [AudioBuffer],
        n: usize,
        limit: usize,
    ) -> Took {
        for s in sources.iter_mut() {
            s.set_frames(n);
        }
        let wanted = match self.state {
            TransportState::Playing if self.fading_out => n.min(self.level as usize),
            TransportState::Playing => n,
            _ => 0,
        };
        let got = stream.read(sources, wanted.min(limit), &mut self.playhead, self.looped);
        for s in sources.iter_mut() {
            for ch in s.channels_mut() {
                ch[got..].fill(0.0);
            }
        }
        self.apply_fade(sources, got);
        let underrun = got < wanted && !self.refilling;
        if got > 0 {
            self.refilling = false;
        }
        if self.fading_out && self.level == 0 && self.state == TransportState::Playing {
            self.fading_out = false;
            if let Some(frame) = self.then_seek.take() {
                self.jump(frame, stream);
            }
            if let Some(state) = self.then_state.take() {
                self.state = state;
            }
        }
        Took {
            wanted,
            got,
            underrun,
        }
    }

    /// Ramps the first `got` frames of every source by the fade, moving it one step a frame.
    fn apply_fade(&mut self, sources: &mut [AudioBuffer], got: usize) {
        let steady = if self.fading_out {
            self.level == 0
        } else {
            self.level == self.fade
        };
        if steady || got == 0 {
            return;
        }
        let (start, fade, out) = (self.level, self.fade, self.fading_out);
        let step = |l: u32| {
            if out {
                l.saturating_sub(1)
            } else {
                (l + 1).min(fade)
            }
        };
        for s in sources.iter_mut() {
            for ch in s.channels_mut() {
                let mut l = start;
                for x in &mut ch[..got] {
                    l = step(l);
                    *x *= l as f32 / fade as f32;
                }
            }
        }
        let mut l = start;
        for _ in 0..got {
            l = step(l);
        }
        self.level = l;
    }
}
