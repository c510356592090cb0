//! Loudness, true peak, null tests and delivery checks for stem sets.
//!
//! [`Meter`] is the streaming loudness / peak meter the render and `stemkit meter` share.
//! The delivery check (`stemkit check`) is built from it and from the null test with its
//! diagnosis (offsets by cross-correlation, gains by least squares, master-bus processing).
#![forbid(unsafe_code)]

mod error;
mod meter;

pub use error::AnalysisError;
pub use meter::{MAX_CHANNELS, Measurements, Meter, StereoImage, measure};
