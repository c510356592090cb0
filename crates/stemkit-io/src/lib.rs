//! stemkit's audio I/O: streaming decode, resampling, WAV/FLAC writers, atomic file output.
//!
//! Everything here runs on the main thread or a worker thread, never on the audio
//! callback: these calls open files, allocate and block on the disk.
#![forbid(unsafe_code)]

mod error;

pub use error::IoError;
