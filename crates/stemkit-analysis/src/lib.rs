//! Loudness, true peak, null tests and delivery checks for stem sets.
//!
//! [`Meter`] is the streaming loudness / peak meter the render and `stemkit meter` share.
//! [`check_folder`] is `stemkit check`: a folder of stems against a delivery [`Spec`],
//! with the null test against the mix and, when it fails, a diagnosis (offsets by
//! cross-correlation, gains by least squares, gain riding on the mix bus, a missing stem).
#![forbid(unsafe_code)]

mod check;
mod error;
mod folder;
mod html;
mod meter;
mod naming;
mod null;
mod scan;
mod spec;
mod text;
mod xcorr;

pub use check::{
    CheckOptions, CheckReport, CheckResult, Diagnosis, FileReport, Lane, MasterBus, NullTest,
    StemGain, StemOffset, check_folder, check_folder_with_progress, fmt_db,
};
pub use error::AnalysisError;
pub use folder::Role;
pub use html::render_html;
pub use meter::{MAX_CHANNELS, Measurements, Meter, StereoImage, measure, meter_file};
pub use spec::Spec;
pub use text::render_text;
