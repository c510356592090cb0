//! Errors of loading a session, each naming the file, and the line and key where one applies.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("cannot read session file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not valid TOML, or a value has the wrong type.
    #[error("{}: {message}", path.display())]
    Syntax { path: PathBuf, message: String },
    /// The file is valid TOML but not a valid session; one line per problem found.
    #[error("{}: {}", path.display(), problems.join(&format!("\n{}: ", path.display())))]
    Invalid {
        path: PathBuf,
        problems: Vec<String>,
    },
}
