//! Turns an insert as the session spells it into a ready processor.

use stemkit_core::Processor;

use crate::params::{InsertSpec, ParamContext};
use crate::{Compressor, Eq, Gain, Limiter};

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BuildError {
    /// The processor type is part of the session format but not built yet.
    #[error("processor type \"{0}\" is not supported yet")]
    NotSupported(&'static str),
    /// A parameter the validator should have caught.
    #[error(transparent)]
    Param(#[from] crate::params::ParamError),
}

/// A new processor for `spec` (main thread; allocates). Call
/// [`Processor::prepare`] on it before use.
///
/// # Errors
/// [`BuildError::NotSupported`] for a type without a processor yet, or a parameter out of
/// range.
pub fn build(spec: &InsertSpec, ctx: &ParamContext) -> Result<Box<dyn Processor>, BuildError> {
    spec.validate(ctx)?;
    Ok(match spec {
        InsertSpec::Eq(p) => Box::new(Eq::new(p)),
        InsertSpec::Compressor(p) => Box::new(Compressor::new(p)),
        InsertSpec::Gain(p) => Box::new(Gain::new(p)),
        InsertSpec::Limiter(p) => Box::new(Limiter::new(p)),
        other => return Err(BuildError::NotSupported(other.type_name())),
    })
}
