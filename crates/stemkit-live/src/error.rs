//! Everything that can stop a live session from starting or finishing.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The session cannot be played as written (the message names the track or bus).
    #[error("{0}")]
    Session(String),
    /// A source or output file failed (the message starts with its path).
    #[error(transparent)]
    Io(#[from] stemkit_io::IoError),
    /// A network surface could not be opened.
    #[error("{what} {addr}: {source}")]
    Net {
        what: &'static str,
        addr: String,
        source: std::io::Error,
    },
    /// A capture file that cannot be replayed.
    #[error("{}:{line}: {message}", path.display())]
    Automation {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A capture or automation file could not be written or read.
    #[error("{}: {source}", path.display())]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    /// An audio output could not be opened or failed.
    #[error("audio output: {0}")]
    Output(String),
    /// Binding a surface beyond loopback without `--allow-remote`, and the like.
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Thread(String),
}
