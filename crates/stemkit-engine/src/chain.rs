//! A series of processors on one track or bus, with the latency and tail of the whole.

use std::sync::{Mutex, PoisonError};

use stemkit_core::{AudioBuffer, ProcessSpec, Processor};
use stemkit_dsp::params::{InsertSpec, ParamContext};

use crate::EngineError;

/// Where a processor's sidechain key comes from: an index into the render's key taps.
pub(crate) type KeySlot = Option<usize>;

/// Each processor sits in a `Mutex` only so that a node holding a chain can be read from
/// other threads of the render pool (a stem reads its tracks' outputs): a processor is
/// `Send` but not `Sync`. The lock is never taken; the chain reaches its processors
/// through `&mut self` and [`Mutex::get_mut`], which costs nothing.
pub(crate) struct Chain {
    procs: Vec<(Mutex<Box<dyn Processor>>, KeySlot)>,
}

fn proc_mut(p: &mut Mutex<Box<dyn Processor>>) -> &mut dyn Processor {
    p.get_mut().unwrap_or_else(PoisonError::into_inner).as_mut()
}

fn proc_ref(p: &Mutex<Box<dyn Processor>>) -> impl std::ops::Deref<Target = Box<dyn Processor>> {
    p.lock().unwrap_or_else(PoisonError::into_inner)
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
            procs.push((Mutex::new(p), key));
        }
        Ok(Self { procs })
    }

    /// Whether a processor of the chain listens to a sidechain key.
    pub(crate) fn listens(&self) -> bool {
        self.procs.iter().any(|(_, key)| key.is_some())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.procs.is_empty()
    }

    pub(crate) fn process(&mut self, buf: &mut AudioBuffer, keys: &[AudioBuffer]) {
        for (p, key) in &mut self.procs {
            proc_mut(p).process(buf, key.map(|k| &keys[k]));
        }
    }

    pub(crate) fn latency(&self) -> usize {
        self.procs.iter().map(|(p, _)| proc_ref(p).latency()).sum()
    }

    pub(crate) fn tail(&self) -> usize {
        self.procs.iter().map(|(p, _)| proc_ref(p).tail()).sum()
    }

    pub(crate) fn is_linear(&self) -> bool {
        self.procs.iter().all(|(p, _)| proc_ref(p).is_linear())
    }
}
