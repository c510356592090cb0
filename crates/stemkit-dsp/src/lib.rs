//! stemkit's processors (DESIGN §4), each behind the [`stemkit_core::Processor`] trait so
//! it can sit on a track, a stem, a return or the master, plus the dither used when a
//! print is quantised.
#![forbid(unsafe_code)]

pub mod biquad;
mod build;
pub mod compressor;
mod denormal;
pub mod dither;
pub mod dynamics;
pub mod eq;
pub mod gain;
pub mod limiter;
pub mod params;
mod true_peak;

pub use build::{BuildError, build};
pub use compressor::{Compressor, CompressorGain};
pub use dynamics::{Dynamics, GainComputer};
pub use eq::Eq;
pub use gain::Gain;
pub use limiter::{Limiter, LimiterGain};
