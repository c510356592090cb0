//! The vocabulary every stemkit crate shares: planar audio buffers, units, the
//! [`Processor`] lifecycle and smoothed parameters.
//!
//! Nothing here performs I/O or needs the operating system, so the same types serve the
//! offline renderer (large blocks, as fast as possible) and the live host (small blocks
//! under a real-time deadline).
#![forbid(unsafe_code)]

mod buffer;
mod delay;
mod processor;
mod smooth;
pub mod units;

pub use buffer::{AudioBuffer, add_scaled};
pub use delay::DelayLine;
pub use processor::{ProcessSpec, Processor};
pub use smooth::Smoothed;
