//! Render failures, each naming the track, bus or file involved.

use std::path::PathBuf;

use stemkit_io::IoError;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A source could not be opened or decoded.
    #[error("track \"{track}\": {source}")]
    Source { track: String, source: IoError },
    /// A processor could not be built.
    #[error("{place}: {source}")]
    Build {
        place: String,
        source: stemkit_dsp::BuildError,
    },
    /// Writing a print failed.
    #[error("writing {}: {source}", path.display())]
    Write { path: PathBuf, source: IoError },
    /// A print read back does not hold what the render wrote, or cannot be read.
    #[error("verifying {}: {detail}", path.display())]
    Verify { path: PathBuf, detail: String },
    /// The session cannot be rendered as it stands.
    #[error("{0}")]
    Session(String),
}
