//! stemkit's processors (DESIGN §4), each behind the [`stemkit_core::Processor`] trait so
//! it can sit on a track, a stem, a return or the master, plus the dither used when a
//! print is quantised.
#![forbid(unsafe_code)]

pub mod biquad;
mod build;
pub mod compressor;
pub mod delay;
mod delay_line;
mod denormal;
pub mod dither;
pub mod dynamics;
pub mod eq;
mod fastmath;
mod fir;
pub mod gain;
mod kernels;
pub mod limiter;
pub mod oversample;
pub mod params;
pub mod reverb;
pub mod saturation;
#[cfg(test)]
mod testing;
mod true_peak;

pub use build::{BuildError, build};
pub use compressor::{Compressor, CompressorGain};
pub use delay::Delay;
pub use dynamics::{Dynamics, GainComputer};
pub use eq::Eq;
pub use gain::Gain;
pub use limiter::{Limiter, LimiterGain};
pub use reverb::Reverb;
pub use saturation::Saturation;
