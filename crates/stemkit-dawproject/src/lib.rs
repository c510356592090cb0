//! DAWproject (version 1.0) in and out.
//!
//! - [`import`] reads a `.dawproject` archive (a ZIP holding `project.xml`, `metadata.xml`
//!   and the audio) and writes a session folder: `session.toml` plus the audio it plays
//!   under `audio/`, so `stemkit render` prints the project's stems with no edits.
//!   [`plan_archive`] does the same reading and mapping in memory, writing nothing.
//! - [`export`] writes printed stems as a DAWproject a DAW opens with every stem at bar 1
//!   and the tempo set.
//!
//! The archive is untrusted input: see the `archive` and `xml` modules for the limits,
//! and `mapping` for how the DAW's mixer becomes stems, returns and the master (and what
//! cannot, which is always warned about and written into the session as a comment).
//!
//! Everything here does file I/O and runs on the main or a worker thread.
#![forbid(unsafe_code)]

mod archive;
mod devices;
mod error;
mod export;
mod import;
mod mapping;
mod model;
mod names;
mod plan;
mod timeline;
mod xml;

pub use archive::Limits;
pub use error::{ErrorKind, ExportError, ImportError};
pub use export::{ExportSpec, ExportTrack, export, metadata_xml, project_xml};
pub use import::{ImportOptions, Imported, import, plan_archive};
pub use plan::{Plan, time_signature_comment, time_signature_in};
