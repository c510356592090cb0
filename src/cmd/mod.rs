//! One module per subcommand; each exposes `Args` (clap) and `run`.

pub mod check;
pub mod demo;
pub mod handoff;
pub mod import;
pub mod init;
pub mod live;
pub mod meter;
pub mod render;

/// The work failed; the message names the file, track or key.
pub const EXIT_FAILED: u8 = 1;
/// `check` found a failing check.
pub const EXIT_CHECK_FAILED: u8 = 3;

/// A failure with a message for the user; `main` prints it and exits with [`EXIT_FAILED`].
pub type CmdResult = Result<std::process::ExitCode, Box<dyn std::error::Error>>;
