//! `limiter`: a true-peak lookahead limiter for the master (DESIGN §4).
//!
//! Parameters (see [`LimiterParams`]): `ceiling_dbtp` (−24 ..= 0 dBTP, default −1),
//! `release_ms` (1 ..= 2000 ms, default 100: time constant of the gain's return towards
//! unity, linear gain), `lookahead_ms` (0.1 ..= 20 ms, default 1.5: the length of the
//! gain's fall before a peak).
//!
//! The detector estimates the true peak of each sample interval on an 8× grid (see
//! `true_peak`; channels linked), so inter-sample overs count. The gain needed for each
//! interval is held over a window, released with a one-pole, then averaged over the
//! lookahead with a moving average: the average of values that are all at or below the
//! needed gain is at or below it too, so the gain has fully arrived when the peak does,
//! with a linear ramp instead of a click. The hold covers the interval's two samples and
//! `HOLD_MARGIN` more on each side, so the reconstruction around a peak sees a constant
//! gain from its nearest neighbours.
//!
//! Latency (exact, reported to the engine's delay compensation):
//! `detector look-ahead (35) − 1 + lookahead samples + HOLD_MARGIN`. The tail is 0
//! beyond it.

use std::collections::VecDeque;

use stemkit_core::units::db_to_gain;
use stemkit_core::{AudioBuffer, ProcessSpec};

use crate::dynamics::{Dynamics, GainComputer};
use crate::params::LimiterParams;
use crate::true_peak::{self, TruePeak};

/// A limiter: [`LimiterGain`] plus the (delaying) applier.
pub type Limiter = Dynamics<LimiterGain>;

/// Samples on each side of a detected interval that get its full gain reduction.
const HOLD_MARGIN: usize = 3;
const DEFAULT_RATE: f64 = 48_000.0;

/// Minimum over the last `window` values pushed: a queue of candidates with increasing
/// values, so each push costs amortised O(1) however long the window.
struct SlidingMin {
    /// (arrival index, value), values increasing front to back.
    queue: VecDeque<(u64, f32)>,
    window: u64,
    arrivals: u64,
}

impl SlidingMin {
    /// Allocates room for a full window (main thread).
    fn new(window: usize) -> Self {
        Self {
            queue: VecDeque::with_capacity(window + 1),
            window: window as u64,
            arrivals: 0,
        }
    }

    #[inline]
    fn push(&mut self, value: f32) -> f32 {
        while self.queue.back().is_some_and(|&(_, v)| v >= value) {
            self.queue.pop_back();
        }
        self.queue.push_back((self.arrivals, value));
        while self
            .queue
            .front()
            .is_some_and(|&(i, _)| i + self.window <= self.arrivals)
        {
            self.queue.pop_front();
        }
        self.arrivals += 1;
        self.queue.front().map_or(value, |&(_, v)| v)
    }

    fn reset(&mut self) {
        self.queue.clear();
        self.arrivals = 0;
    }
}

/// The limiter's gain computer: true-peak detector → needed gain → hold → release →
/// moving average.
pub struct LimiterGain {
    params: LimiterParams,
    ceiling: f32,
    release: f64,
    /// Moving-average length (the lookahead in samples).
    ramp: usize,
    /// Hold window.
    hold: usize,
    detectors: Vec<TruePeak>,
    peaks: Vec<f32>,
    held: SlidingMin,
    envelope: f64,
    average: Vec<f64>,
    average_pos: usize,
    /// Sum of `average`, kept as it moves and summed afresh each time the window has
    /// turned over (every `ramp` frames from the start), so rounding cannot accumulate and
    /// does not depend on where blocks end.
    sum: f64,
    gain: f32,
}

impl LimiterGain {
    fn new(params: &LimiterParams) -> Self {
        let mut computer = Self {
            params: params.clone(),
            ceiling: db_to_gain(params.ceiling_dbtp) as f32,
            release: 0.0,
            ramp: 1,
            hold: 1,
            detectors: Vec::new(),
            peaks: Vec::new(),
            held: SlidingMin::new(0),
            envelope: 1.0,
            average: Vec::new(),
            average_pos: 0,
            sum: 0.0,
            gain: 1.0,
        };
        computer.set_rate(DEFAULT_RATE);
        computer
    }

    fn set_rate(&mut self, sample_rate: f64) {
        self.release = (-1.0 / (self.params.release_ms * 1e-3 * sample_rate)).exp();
        self.ramp = ((self.params.lookahead_ms * 1e-3 * sample_rate).round() as usize).max(1);
        self.hold = self.ramp + 2 * HOLD_MARGIN + 1;
    }
}

impl GainComputer for LimiterGain {
    fn prepare(&mut self, spec: ProcessSpec) {
        self.set_rate(spec.sample_rate);
        self.detectors = vec![TruePeak::new(spec.max_block); spec.channels];
        self.peaks = vec![0.0; spec.max_block];
        self.held = SlidingMin::new(self.hold);
        self.average = vec![1.0; self.ramp];
        self.reset();
    }

    fn reset(&mut self) {
        self.detectors.iter_mut().for_each(TruePeak::reset);
        self.held.reset();
        self.envelope = 1.0;
        self.average.fill(1.0);
        self.average_pos = 0;
        self.sum = self.average.iter().sum();
        self.gain = 1.0;
    }

    fn compute(&mut self, key: &AudioBuffer, gains: &mut [f32]) {
        let frames = key.frames();
        assert_eq!(gains.len(), frames, "one gain per key frame");
        let peaks = &mut self.peaks[..frames];
        peaks.fill(0.0);
        for (ch, detector) in key.iter_channels().zip(&mut self.detectors) {
            // `max` skips NaN estimates (see `TruePeak::raise`).
            detector.raise(ch, peaks);
        }
        let ramp = self.ramp as f64;
        let (ceiling, release) = (self.ceiling, self.release);
        let (mut envelope, mut pos, mut sum) = (self.envelope, self.average_pos, self.sum);
        for (g, &peak) in gains.iter_mut().zip(peaks.iter()) {
            let held = f64::from(self.held.push(ceiling / peak.max(ceiling)));
            envelope = if held < envelope {
                held
            } else {
                held + release * (envelope - held)
            };
            sum += envelope - self.average[pos];
            self.average[pos] = envelope;
            pos = if pos + 1 == self.ramp { 0 } else { pos + 1 };
            if pos == 0 {
                sum = self.average.iter().sum();
            }
            *g = (sum / ramp) as f32;
        }
        (self.envelope, self.average_pos, self.sum) = (envelope, pos, sum);
        if let Some(&last) = gains.last() {
            self.gain = last;
        }
    }

    /// An estimate arriving with input `n` covers `[a, a + 1)`, `a = n − DELAY`, and its
    /// gain must reach samples `a − HOLD_MARGIN ..= a + 1 + HOLD_MARGIN`. The moving average
    /// at `n` is at or below every needed gain that arrived in `n − hold + 1 ..= n − ramp + 1`,
    /// so with `hold = ramp + 2·HOLD_MARGIN + 1` the audio must be delayed by
    /// `DELAY + ramp + HOLD_MARGIN − 1`.
    fn latency(&self) -> usize {
        true_peak::DELAY + self.ramp + HOLD_MARGIN - 1
    }

    fn gain_reduction_db(&self) -> f32 {
        20.0 * self.gain.log10()
    }
}

impl Limiter {
    /// A limiter with `params`, timed for 48 kHz until
    /// [`stemkit_core::Processor::prepare`].
    #[must_use]
    pub fn new(params: &LimiterParams) -> Self {
        Self::with_computer(LimiterGain::new(params))
    }
}
