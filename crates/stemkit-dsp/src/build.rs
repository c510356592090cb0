//! Turns an insert as the session spells it into a ready processor.

use stemkit_core::Processor;

use crate::params::{InsertSpec, ParamContext};
use crate::{Compressor, Delay, Eq, Gain, Limiter, Reverb, Saturation};

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BuildError {
    /// A parameter the validator should have caught.
    #[error(transparent)]
    Param(#[from] crate::params::ParamError),
}

/// A new processor for `spec` (main thread; allocates). Call
/// [`Processor::prepare`] on it before use.
///
/// # Errors
/// A parameter out of range, or a tempo-synced delay time without a session tempo.
pub fn build(spec: &InsertSpec, ctx: &ParamContext) -> Result<Box<dyn Processor>, BuildError> {
    spec.validate(ctx)?;
    Ok(match spec {
        InsertSpec::Eq(p) => Box::new(Eq::new(p)),
        InsertSpec::Compressor(p) => Box::new(Compressor::new(p)),
        InsertSpec::Gain(p) => Box::new(Gain::new(p)),
        InsertSpec::Limiter(p) => Box::new(Limiter::new(p)),
        InsertSpec::Saturation(p) => Box::new(Saturation::new(p)),
        InsertSpec::Reverb(p) => Box::new(Reverb::new(p)),
        InsertSpec::Delay(p) => Box::new(Delay::new(p, ctx)?),
    })
}
