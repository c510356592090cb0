//! Master-consistent stems: the master chain distributed over the components so the
//! printed stems sum to the mastered mix.
//!
//! Each master insert becomes a stage:
//! - linear and time-invariant processors (EQ, gain, reverb, delay) run one instance on
//!   the mix and one on every component; their sum is the processed mix;
//! - compressors and limiters compute their gain from the mix as it reaches them and
//!   apply that very gain, delayed by the same lookahead, to every component (the keyed
//!   sidechain technique, done exactly);
//! - anything else (saturation) runs on the mix only; the components are delayed by its
//!   latency, and what the stage changed ends up in the residual stem.
//!
//! The residual is the mastered mix minus the sum of the distributed components, so the
//! stems plus the residual always sum to the mastered mix.

use stemkit_core::units::db_to_gain;
use stemkit_core::{AudioBuffer, ProcessSpec, Processor};
use stemkit_dsp::dynamics::{Dynamics, GainComputer};
use stemkit_dsp::params::{InsertSpec, ParamContext};
use stemkit_dsp::{Compressor, Limiter};

use crate::EngineError;
use crate::delay::DelayLine;

/// A gain rider whose gain can be computed from one signal and applied to others.
trait GainRider: Send {
    fn prepare_rider(&mut self, spec: ProcessSpec);
    fn gains(&mut self, key: &AudioBuffer, gains: &mut [f32]);
    fn lookahead(&self) -> usize;
}

impl<C: GainComputer> GainRider for Dynamics<C> {
    fn prepare_rider(&mut self, spec: ProcessSpec) {
        self.prepare(spec);
    }
    fn gains(&mut self, key: &AudioBuffer, gains: &mut [f32]) {
        self.compute_gain(key, gains);
    }
    fn lookahead(&self) -> usize {
        Dynamics::lookahead(self)
    }
}

enum Stage {
    Linear {
        mix: Box<dyn Processor>,
        parts: Vec<Box<dyn Processor>>,
    },
    Rider {
        rider: Box<dyn GainRider>,
        gains: Vec<f32>,
        mix_delay: DelayLine,
        delays: Vec<DelayLine>,
    },
    MixOnly {
        mix: Box<dyn Processor>,
        delays: Vec<DelayLine>,
    },
}

pub(crate) struct Distributed {
    stages: Vec<Stage>,
    gain: f32,
    /// The distributed components of the current block, in the order of the inputs.
    pub(crate) parts: Vec<AudioBuffer>,
    /// The mastered mix of the current block.
    pub(crate) mix: AudioBuffer,
    /// The mastered mix minus the sum of `parts`.
    pub(crate) residual: AudioBuffer,
    latency: usize,
    /// Names of the master inserts that could not be distributed.
    pub(crate) undistributed: Vec<String>,
}

fn apply(block: &mut AudioBuffer, gains: &[f32]) {
    for ch in block.channels_mut() {
        ch.iter_mut().zip(gains).for_each(|(x, &g)| *x *= g);
    }
}

impl Distributed {
    /// Builds the stages of `inserts` for components of `channels` each.
    pub(crate) fn build(
        inserts: &[InsertSpec],
        gain_db: f64,
        channels: &[usize],
        ctx: &ParamContext,
        max_block: usize,
    ) -> Result<Self, EngineError> {
        let spec = |ch| ProcessSpec {
            sample_rate: ctx.sample_rate,
            max_block,
            channels: ch,
        };
        let make =
            |i: usize, ins: &InsertSpec, ch: usize| -> Result<Box<dyn Processor>, EngineError> {
                let mut p = stemkit_dsp::build(ins, ctx).map_err(|source| EngineError::Build {
                    place: format!("[master] inserts[{i}] ({})", ins.type_name()),
                    source,
                })?;
                p.prepare(spec(ch));
                Ok(p)
            };
        let mut stages = Vec::new();
        let mut latency = 0;
        let mut undistributed = Vec::new();
        for (i, ins) in inserts.iter().enumerate() {
            let rider: Option<Box<dyn GainRider>> = match ins {
                InsertSpec::Compressor(p) => Some(Box::new(Compressor::new(p))),
                InsertSpec::Limiter(p) => Some(Box::new(Limiter::new(p))),
                _ => None,
            };
            let stage = if let Some(mut rider) = rider {
                rider.prepare_rider(spec(2));
                let la = rider.lookahead();
                latency += la;
                Stage::Rider {
                    rider,
                    gains: vec![1.0; max_block],
                    mix_delay: DelayLine::new(2, la),
                    delays: channels.iter().map(|&c| DelayLine::new(c, la)).collect(),
                }
            } else {
                let mix = make(i, ins, 2)?;
                latency += mix.latency();
                if mix.is_linear() {
                    let parts = channels
                        .iter()
                        .map(|&c| make(i, ins, c))
                        .collect::<Result<_, _>>()?;
                    Stage::Linear { mix, parts }
                } else {
                    undistributed.push(format!("inserts[{i}] ({})", ins.type_name()));
                    let la = mix.latency();
                    Stage::MixOnly {
                        delays: channels.iter().map(|&c| DelayLine::new(c, la)).collect(),
                        mix,
                    }
                }
            };
            stages.push(stage);
        }
        Ok(Self {
            stages,
            gain: db_to_gain(gain_db) as f32,
            parts: channels
                .iter()
                .map(|&c| AudioBuffer::new(c, max_block))
                .collect(),
            mix: AudioBuffer::new(2, max_block),
            residual: AudioBuffer::new(2, max_block),
            latency,
            undistributed,
        })
    }

    /// Frames the mastered outputs lag their inputs.
    pub(crate) fn latency(&self) -> usize {
        self.latency
    }

    /// Runs one block: `parts` and `mix` hold the inputs on entry (the caller fills them)
    /// and the mastered outputs on return; `residual` is filled.
    pub(crate) fn process(&mut self) {
        let n = self.mix.frames();
        for stage in &mut self.stages {
            match stage {
                Stage::Linear { mix, parts } => {
                    mix.process(&mut self.mix, None);
                    for (p, buf) in parts.iter_mut().zip(&mut self.parts) {
                        p.process(buf, None);
                    }
                }
                Stage::Rider {
                    rider,
                    gains,
                    mix_delay,
                    delays,
                } => {
                    let gains = &mut gains[..n];
                    rider.gains(&self.mix, gains);
                    mix_delay.process(&mut self.mix);
                    apply(&mut self.mix, gains);
                    for (d, buf) in delays.iter_mut().zip(&mut self.parts) {
                        d.process(buf);
                        apply(buf, gains);
                    }
                }
                Stage::MixOnly { mix, delays } => {
                    mix.process(&mut self.mix, None);
                    for (d, buf) in delays.iter_mut().zip(&mut self.parts) {
                        d.process(buf);
                    }
                }
            }
        }
        if self.gain != 1.0 {
            for buf in std::iter::once(&mut self.mix).chain(&mut self.parts) {
                for ch in buf.channels_mut() {
                    ch.iter_mut().for_each(|x| *x *= self.gain);
                }
            }
        }
        self.residual.set_frames(n);
        self.residual.copy_from(&self.mix);
        for buf in &self.parts {
            self.residual.add_from(buf, -1.0);
        }
    }
}
