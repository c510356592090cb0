//! The error type of the analysis: every message names the file or the key it is about.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnalysisError {
    /// A channel layout or rate the meter does not take.
    #[error("cannot meter {0}")]
    Unsupported(String),

    /// Decoding or opening an audio file failed; the message starts with its path.
    #[error(transparent)]
    Io(#[from] stemkit_io::IoError),

    /// The folder to check cannot be listed, or holds nothing to check.
    #[error("{}: {detail}", path.display())]
    Folder { path: PathBuf, detail: String },

    /// A delivery spec file that cannot be read or holds a bad key.
    #[error("{}: {detail}", path.display())]
    Spec { path: PathBuf, detail: String },
}
