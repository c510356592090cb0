//! Errors of import and export. Every message starts with the file it is about and names
//! the entry, element, track or key inside it, so a user can find the problem in the DAW.

use std::path::PathBuf;

/// A failed import: the archive (or the output folder) and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("{}: {kind}", file.display())]
pub struct ImportError {
    pub file: PathBuf,
    pub kind: ErrorKind,
}

/// What went wrong; tests and callers match on it, users read its message.
#[derive(Debug, thiserror::Error)]
pub enum ErrorKind {
    #[error("cannot read the file: {0}")]
    Read(std::io::Error),
    #[error("not a DAWproject archive (not a ZIP file: {0})")]
    NotZip(String),
    #[error("the archive holds no project.xml, so it is not a DAWproject")]
    NoProject,
    #[error("archive entry \"{entry}\" is unsafe: {why}")]
    UnsafeEntry { entry: String, why: &'static str },
    #[error("{what} would expand to {size} bytes, over the limit of {limit} bytes")]
    TooLarge { what: String, size: u64, limit: u64 },
    #[error("archive entry \"{entry}\" cannot be read: {detail}")]
    Corrupt { entry: String, detail: String },
    #[error("{entry} line {line}: {message}")]
    Xml {
        entry: String,
        line: usize,
        message: String,
    },
    #[error("{context}: audio file \"{reference}\" is {problem}")]
    MissingAudio {
        context: String,
        reference: String,
        problem: &'static str,
    },
    #[error("{0}")]
    Unsupported(String),
    #[error("audio file \"{reference}\" cannot be used: {source}")]
    Audio {
        reference: String,
        source: stemkit_io::IoError,
    },
    #[error("{0}")]
    Write(stemkit_io::IoError),
    #[error("output {}: {message}", path.display())]
    Output { path: PathBuf, message: String },
    #[error("the written session does not load (this is a bug in the importer): {0}")]
    Session(stemkit_session::SessionError),
}

impl ErrorKind {
    pub(crate) fn at(self, file: impl Into<PathBuf>) -> ImportError {
        ImportError {
            file: file.into(),
            kind: self,
        }
    }
}

/// A failed export, naming the file it was writing or reading.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {detail}", path.display())]
    Zip { path: PathBuf, detail: String },
}
