//! A series of processors on one track or bus, with the latency and tail of the whole.

use stemkit_core::{AudioBuffer, ProcessSpec, Processor};
use stemkit_dsp::params::{InsertSpec, ParamContext};

use crate::EngineError;

/// Where a processor's sidechain key comes from: an index into the render's key taps.
pub(crate) type KeySlot = Option<usize>;

pub(crate) struct Chain {
    procs: Vec<(Box<dyn Processor>, KeySlot)>,
}

impl Chain {
    /// Builds and prepares the chain of `inserts` for a bus of `channels`.
    /// `key_slot` maps a compressor's `key` name to its tap.
    pub(crate) fn build(
        inserts: &[InsertSpec],
        place: &str,
        ctx: &ParamContext,
        spec: ProcessSpec,
        key_slot: &dyn Fn(&str) -> Option<usize>,
    ) -> Result<Self, EngineError> {
        let mut procs = Vec::with_capacity(inserts.len());
        for (i, ins) in inserts.iter().enumerate() {
            let mut p = stemkit_dsp::build(ins, ctx).map_err(|source| EngineError::Build {
                place: format!("{place} inserts[{i}] ({})", ins.type_name()),
                source,
            })?;
            p.prepare(spec);
            let key = match ins {
                InsertSpec::Compressor(c) => c.key.as_deref().and_then(key_slot),
                _ => None,
            };
            procs.push((p, key));
        }
        Ok(Self { procs })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.procs.is_empty()
    }

    pub(crate) fn process(&mut self, buf: &mut AudioBuffer, keys: &[AudioBuffer]) {
        for (p, key) in &mut self.procs {
            p.process(buf, key.map(|k| &keys[k]));
        }
    }

    pub(crate) fn latency(&self) -> usize {
        self.procs.iter().map(|(p, _)| p.latency()).sum()
    }

    pub(crate) fn tail(&self) -> usize {
        self.procs.iter().map(|(p, _)| p.tail()).sum()
    }

    pub(crate) fn is_linear(&self) -> bool {
        self.procs.iter().all(|(p, _)| p.is_linear())
    }
}
