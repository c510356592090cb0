//! The render's delay compensation uses the shared fixed delay line.

pub(crate) use stemkit_core::DelayLine;
