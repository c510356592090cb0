//! `delay`: a feedback echo, synced to the session tempo or set in milliseconds, with
//! filters in the loop and optional ping-pong.
//!
//! # Parameters ([`DelayParams`])
//! | key | unit | range | default | meaning |
//! | --- | ---- | ----- | ------- | ------- |
//! | `time` | ms or note | 1 ..= 4000 ms | "1/8" | echo spacing: ms, or a note value (`"1/4"`, dotted `"1/8."`, triplet `"1/8t"`) at the session `bpm` |
//! | `feedback` | | 0 ..= 0.95 | 0.35 | level of each echo relative to the one before |
//! | `lowcut` | Hz | 20 ..= 0.49 × rate | off | 12 dB/oct Butterworth high-pass in the loop |
//! | `highcut` | Hz | 20 ..= 0.49 × rate | off | 12 dB/oct Butterworth low-pass in the loop |
//! | `pingpong` | | true / false | false | echoes alternate left, right, left ... |
//! | `mix` | | 0 ..= 1 | 1 | wet share: `(1 - mix) · dry + mix · wet` |
//!
//! The time is rounded to the nearest whole sample (`round(seconds · rate)`; 1/8t at 124
//! bpm and 48 kHz is 7741.94 samples and becomes 7742), so every echo lands on a sample
//! and the delay stays linear and time-invariant: no interpolation, no modulation.
//!
//! # Loop
//! Each channel's line output passes the filters, is the wet output, and is fed back
//! scaled by `feedback`: echo `k` (at `k · time`) has passed the filters `k` times and has
//! the level `feedback^(k-1)`, so the filters darken or thin each repeat more than the
//! last. With `pingpong` on a stereo bus the input is summed to mono ((L + R) / 2) into
//! the left line, and each line feeds the other: echo 1 on the left, echo 2 on the right,
//! and so on. On a mono bus `pingpong` has nothing to alternate and is ignored.
//!
//! # Tail
//! Measured in [`Processor::prepare`]: the loop is run on a full-scale impulse until its
//! output stays below -96 dBFS, capped at 30 s. Without filters this is the analytic
//! `time · (1 + ⌊ln(10^(-96/20)) / ln(feedback)⌋)` (the last echo at or above -96 dBFS);
//! the filters add their ring-out.
//! Lines store non-finite values as zero, and a block whose output is not finite is
//! silenced and resets the state, so a NaN or infinity in the input never sticks.

use stemkit_core::{AudioBuffer, ProcessSpec, Processor};

use crate::biquad::{BiquadState, Coeffs};
use crate::delay_line::{DelayLine, FLUSH_BELOW};
use crate::denormal::flush;
use crate::params::{DelayParams, ParamContext, ParamError};

/// -96 dBFS as an amplitude.
const SILENCE: f64 = 1.584_893_192_461_114e-5;
/// The longest tail reported, s.
const TAIL_CAP_S: f64 = 30.0;

/// The `delay` processor.
pub struct Delay {
    params: DelayParams,
    seconds: f64,
    channels: usize,
    len: usize,
    lines: Vec<DelayLine>,
    filters: Vec<Coeffs>,
    states: Vec<[BiquadState; 2]>,
    tail: usize,
}

impl Delay {
    /// A processor for `params`, its time resolved at the tempo in `ctx` (main thread).
    /// Call [`Processor::prepare`] before use.
    ///
    /// # Errors
    /// A note value that does not parse or has no session tempo, under the key `time`.
    pub fn new(params: &DelayParams, ctx: &ParamContext) -> Result<Self, ParamError> {
        let seconds = params.time.seconds(ctx.bpm).map_err(|message| ParamError {
            key: "time".to_owned(),
            message,
        })?;
        Ok(Self {
            params: params.clone(),
            seconds,
            channels: 2,
            len: 1,
            lines: Vec::new(),
            filters: Vec::new(),
            states: Vec::new(),
            tail: 0,
        })
    }

    /// The echo spacing in samples at the prepared rate.
    #[must_use]
    pub fn delay_samples(&self) -> usize {
        self.len
    }

    /// One line's output through its channel's filters.
    #[inline]
    fn echo(&mut self, ch: usize) -> f64 {
        let mut v = f64::from(self.lines[ch].tap(self.len - 1));
        for (c, st) in self.filters.iter().zip(self.states[ch].iter_mut()) {
            v = st.tick(c, v);
        }
        // The filters' poles keep shrinking a silent echo through the subnormal range.
        flush(v, FLUSH_BELOW)
    }

    /// Runs the loop on a full-scale impulse until it stays silent and returns the index
    /// of the last sample at or above -96 dBFS, or the cap when it is still ringing there
    /// (the state is reset afterwards).
    fn measure_tail(&mut self, sample_rate: f64) -> usize {
        let cap = (TAIL_CAP_S * sample_rate) as usize;
        let ring: usize = self.filters.iter().map(|c| c.ring_out(SILENCE)).sum();
        // Silent for a whole loop plus the filters' ring means nothing is left to come back.
        let quiet_for = self.len + ring;
        let fb = self.params.feedback;
        let mut last_loud = 0;
        for n in 0..cap {
            let y = self.echo(0);
            let x = if n == 0 { 1.0 } else { 0.0 };
            self.lines[0].write((x + fb * y) as f32);
            if y.abs() >= SILENCE {
                last_loud = n;
            } else if n > last_loud + quiet_for {
                self.reset();
                return last_loud;
            }
        }
        // Still ringing at the cap.
        self.reset();
        cap
    }
}

impl Processor for Delay {
    fn prepare(&mut self, spec: ProcessSpec) {
        let fs = spec.sample_rate;
        let q = std::f64::consts::FRAC_1_SQRT_2;
        self.channels = spec.channels;
        self.len = ((self.seconds * fs).round() as usize).max(1);
        self.lines = (0..spec.channels.max(1))
            .map(|_| DelayLine::new(self.len))
            .collect();
        self.filters = [
            self.params.lowcut.map(|f| Coeffs::highpass(f, q, fs)),
            self.params.highcut.map(|f| Coeffs::lowpass(f, q, fs)),
        ]
        .into_iter()
        .flatten()
        .collect();
        self.states = vec![[BiquadState::default(); 2]; self.lines.len()];
        self.tail = self.measure_tail(fs);
    }

    fn process(&mut self, block: &mut AudioBuffer, _sidechain: Option<&AudioBuffer>) {
        let (fb, wet, dry) = (self.params.feedback, self.params.mix, 1.0 - self.params.mix);
        let mut finite = true;
        if self.channels == 2 {
            let pingpong = self.params.pingpong;
            let (l, r) = block.stereo_mut();
            for (l, r) in l.iter_mut().zip(r.iter_mut()) {
                let (xl, xr) = (f64::from(*l), f64::from(*r));
                let (yl, yr) = (self.echo(0), self.echo(1));
                if pingpong {
                    self.lines[0].write((0.5 * (xl + xr) + fb * yr) as f32);
                    self.lines[1].write((fb * yl) as f32);
                } else {
                    self.lines[0].write((xl + fb * yl) as f32);
                    self.lines[1].write((xr + fb * yr) as f32);
                }
                let (ol, or) = (dry * xl + wet * yl, dry * xr + wet * yr);
                finite &= ol.is_finite() && or.is_finite();
                (*l, *r) = (ol as f32, or as f32);
            }
        } else {
            for s in block.channel_mut(0) {
                let x = f64::from(*s);
                let y = self.echo(0);
                self.lines[0].write((x + fb * y) as f32);
                let o = dry * x + wet * y;
                finite &= o.is_finite();
                *s = o as f32;
            }
        }
        for st in self.states.iter_mut().flatten() {
            st.flush();
        }
        if !finite {
            self.reset();
            block.clear();
        }
    }

    fn reset(&mut self) {
        for line in &mut self.lines {
            line.clear();
        }
        for st in self.states.iter_mut().flatten() {
            st.reset();
        }
    }

    fn tail(&self) -> usize {
        self.tail
    }

    fn is_linear(&self) -> bool {
        true
    }
}
