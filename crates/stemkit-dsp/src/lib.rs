//! stemkit's processors (DESIGN §4), each behind the [`stemkit_core::Processor`] trait so
//! it can sit on a track, a stem, a return or the master, plus the dither used when a
//! print is quantised.
#![forbid(unsafe_code)]

mod build;
pub mod dither;
pub mod params;

pub use build::{BuildError, build};
