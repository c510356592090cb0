//! The one error type of stemkit's audio I/O.
//!
//! Every variant carries the path of the file it is about, and its message starts with
//! that path, so the CLI can print it as it is and the user knows which of forty source
//! files is the broken one.

use std::path::{Path, PathBuf};

/// What went wrong reading or writing an audio (or report) file.
///
/// Created and handled on main/worker threads; never on the audio callback.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IoError {
    #[error("{}: no such file", path.display())]
    NotFound { path: PathBuf },

    /// The bytes are not audio in a format stemkit reads (a text file named `.wav`, an
    /// AAC file, ...).
    #[error("{}: not an audio file stemkit can read ({detail})", path.display())]
    NotAudio { path: PathBuf, detail: String },

    /// Audio that starts well but holds invalid data further in.
    #[error("{}: corrupt audio data ({detail})", path.display())]
    Corrupt { path: PathBuf, detail: String },

    /// The file ends before the audio its header announces.
    #[error("{}: file is truncated ({detail})", path.display())]
    Truncated { path: PathBuf, detail: String },

    #[error("{}: has {channels} channels; stemkit v1 takes mono or stereo sources", path.display())]
    Channels { path: PathBuf, channels: usize },

    /// A readable container with something stemkit does not handle inside (codec,
    /// sample rate of 0, ...).
    #[error("{}: unsupported audio ({detail})", path.display())]
    Unsupported { path: PathBuf, detail: String },

    /// A call that cannot be honoured for this file (frame counts that disagree with its
    /// channel count, a non-finite offset, ...).
    #[error("{}: {detail}", path.display())]
    Invalid { path: PathBuf, detail: String },

    #[error("{}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },

    /// Creating, writing, syncing or renaming failed: a full disk, a missing folder, a
    /// read-only volume.
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl IoError {
    /// The file the error is about.
    #[must_use]
    pub fn path(&self) -> &Path {
        match self {
            Self::NotFound { path }
            | Self::NotAudio { path, .. }
            | Self::Corrupt { path, .. }
            | Self::Truncated { path, .. }
            | Self::Channels { path, .. }
            | Self::Unsupported { path, .. }
            | Self::Invalid { path, .. }
            | Self::Read { path, .. }
            | Self::Write { path, .. } => path,
        }
    }

    /// Opening for reading: a missing file gets its own plain message.
    pub(crate) fn open(path: &Path, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::NotFound {
            Self::NotFound {
                path: path.to_owned(),
            }
        } else {
            Self::Read {
                path: path.to_owned(),
                source,
            }
        }
    }

    pub(crate) fn write(path: &Path, source: std::io::Error) -> Self {
        Self::Write {
            path: path.to_owned(),
            source,
        }
    }

    pub(crate) fn invalid(path: &Path, detail: impl Into<String>) -> Self {
        Self::Invalid {
            path: path.to_owned(),
            detail: detail.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_starts_with_the_path() {
        let p = Path::new("audio/kick in.wav");
        let io = || std::io::Error::from(std::io::ErrorKind::Other);
        let all = [
            IoError::NotFound { path: p.into() },
            IoError::NotAudio {
                path: p.into(),
                detail: "x".into(),
            },
            IoError::Corrupt {
                path: p.into(),
                detail: "x".into(),
            },
            IoError::Truncated {
                path: p.into(),
                detail: "x".into(),
            },
            IoError::Channels {
                path: p.into(),
                channels: 6,
            },
            IoError::Unsupported {
                path: p.into(),
                detail: "x".into(),
            },
            IoError::invalid(p, "x"),
            IoError::Read {
                path: p.into(),
                source: io(),
            },
            IoError::write(p, io()),
        ];
        for e in all {
            assert!(e.to_string().starts_with("audio/kick in.wav: "), "{e}");
            assert_eq!(e.path(), p);
        }
    }

    #[test]
    fn channel_refusal_reads_as_the_contract_says() {
        let e = IoError::Channels {
            path: "a/surround.wav".into(),
            channels: 6,
        };
        assert_eq!(
            e.to_string(),
            "a/surround.wav: has 6 channels; stemkit v1 takes mono or stereo sources"
        );
    }

    #[test]
    fn missing_file_is_told_apart_from_other_open_failures() {
        let nf = IoError::open(Path::new("x.wav"), std::io::ErrorKind::NotFound.into());
        assert!(matches!(nf, IoError::NotFound { .. }));
        assert_eq!(nf.to_string(), "x.wav: no such file");
        let pd = IoError::open(
            Path::new("x.wav"),
            std::io::ErrorKind::PermissionDenied.into(),
        );
        assert!(matches!(pd, IoError::Read { .. }));
    }

    #[test]
    fn full_disk_names_file_and_cause() {
        let e = IoError::write(
            Path::new("out/Kick.wav"),
            std::io::Error::from_raw_os_error(28),
        );
        let msg = e.to_string();
        assert!(msg.starts_with("out/Kick.wav: cannot write: "), "{msg}");
        assert!(msg.contains("No space left on device"), "{msg}");
    }
}
