//! stemkit's audio I/O: streaming decode, resampling, WAV/FLAC writers, atomic file output.
//!
//! - [`SourceReader`] streams a source file at the session rate from an offset
//!   ([`probe`] reads just its header); [`Resampler`] is the converter it uses.
//! - [`WavWriter`] and [`FlacWriter`] write prints under a temporary name and hand back a
//!   [`PendingFile`] to commit; [`AtomicFile`] does the same for small text files;
//!   [`sha256_file`] checksums the result.
//! - Every error is an [`IoError`] whose message starts with the file's path.
//!
//! Everything here runs on the main thread or a worker thread, never on the audio
//! callback: these calls open files, allocate and block on the disk. The crate README
//! holds the measured resampler figures.
#![forbid(unsafe_code)]

mod atomic;
mod bwf;
mod checksum;
mod decode;
mod error;
mod flac;
mod pcm;
mod resample;
mod source;
mod wav;

pub use atomic::{AtomicFile, PendingFile};
pub use bwf::{Bext, Ixml, WavMetadata};
pub use checksum::sha256_file;
pub use decode::{SourceInfo, probe};
pub use error::IoError;
pub use flac::{FlacSpec, FlacWriter};
pub use pcm::{WavData, wav_data};
pub use resample::{ResampleSetupError, Resampler};
pub use source::SourceReader;
pub use wav::{SampleFormat, WavSpec, WavWriter};
