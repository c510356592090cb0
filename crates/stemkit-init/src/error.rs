//! The one error type of `stemkit init`; every message names the folder, file or layout
//! key it is about.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    /// A layout file that cannot be read or does not describe a layout.
    #[error("{}: {message}", path.display())]
    Layout { path: PathBuf, message: String },

    /// The folder to scan cannot be listed.
    #[error("{}: cannot read the folder: {source}", path.display())]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("{}: no audio files found (looked for {} files, in subfolders too)", path.display(), crate::scan::EXTENSIONS.join(", "))]
    NoAudio { path: PathBuf },

    /// Every audio file failed; `reasons` has one line per file.
    #[error("{}: none of its {count} audio files could be read:\n{reasons}", path.display())]
    NoneReadable {
        path: PathBuf,
        count: usize,
        reasons: String,
    },

    /// Every file was a click, timecode or reference: nothing for a stem.
    #[error("{}: every audio file is a click, timecode or reference mix; no track for a stem", path.display())]
    NothingToMix { path: PathBuf },

    /// The session would overwrite an existing file.
    #[error("{}: a session file is already there; pass --force to overwrite it", path.display())]
    Exists { path: PathBuf },

    /// The session as written does not load: a layout whose processing the session
    /// refuses (the message lists every problem).
    #[error("the written session does not load: {0}")]
    Session(#[from] stemkit_session::SessionError),

    #[error(transparent)]
    Io(#[from] stemkit_io::IoError),
}
