//! A series of processors on one track or bus, built exactly as the offline render builds
//! it, so live and offline run the same instances with the same settings.

use stemkit_core::{AudioBuffer, ProcessSpec, Processor};
use stemkit_dsp::params::{InsertSpec, ParamContext};

use crate::LiveError;

pub(crate) struct Chain {
    /// Each processor with the index of its sidechain key tap, if it listens to one.
    procs: Vec<(Box<dyn Processor>, Option<usize>)>,
}

impl Chain {
    /// Main thread: builds and prepares `inserts`; `key_slot` maps a compressor's `key`
    /// to its tap. `place` names the bus in errors.
    pub(crate) fn build(
        inserts: &[InsertSpec],
        place: &str,
        ctx: &ParamContext,
        spec: ProcessSpec,
        key_slot: &dyn Fn(&str) -> Option<usize>,
    ) -> Result<Self, LiveError> {
        let mut procs = Vec::with_capacity(inserts.len());
        for (i, ins) in inserts.iter().enumerate() {
            let mut p = stemkit_dsp::build(ins, ctx).map_err(|e| {
                LiveError::Session(format!("{place} inserts[{i}] ({}): {e}", ins.type_name()))
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

    /// Audio thread.
    pub(crate) fn process(&mut self, buf: &mut AudioBuffer, keys: &[AudioBuffer]) {
        for (p, key) in &mut self.procs {
            p.process(buf, key.map(|k| &keys[k]));
        }
    }

    /// Whether some processor listens to a sidechain key (such a chain needs the keys of
    /// the audio thread and stays there).
    pub(crate) fn listens(&self) -> bool {
        self.procs.iter().any(|(_, key)| key.is_some())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.procs.is_empty()
    }

    /// A chain with no processor, standing in for one moved to a helper thread.
    pub(crate) fn empty() -> Self {
        Self { procs: Vec::new() }
    }

    pub(crate) fn latency(&self) -> usize {
        self.procs.iter().map(|(p, _)| p.latency()).sum()
    }

    /// Sum of every processor's gain reduction, dB (0 or negative), for the meters.
    pub(crate) fn gain_reduction_db(&self) -> f32 {
        self.procs.iter().map(|(p, _)| p.gain_reduction_db()).sum()
    }
}
