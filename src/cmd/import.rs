//! `stemkit import PROJECT.dawproject`: a session folder (`session.toml` and `audio/`) from
//! a DAWproject file, ready for `stemkit render`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use stemkit_dawproject::{ImportOptions, Limits};

use super::CmdResult;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The DAWproject file.
    pub project: PathBuf,
    /// Folder for session.toml and audio/ [default: the project's name beside it].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace a session.toml already in the output folder.
    #[arg(long)]
    pub force: bool,
    /// Refuse an archive that expands past this many MiB.
    #[arg(long, value_name = "MIB", default_value_t = Limits::default().max_expanded >> 20)]
    pub max_size: u64,
    /// No summary; warnings still go to stderr.
    #[arg(long)]
    pub quiet: bool,
}

/// `Song.dawproject` → `Song/` beside it.
fn default_out(project: &Path) -> PathBuf {
    let out = project.with_extension("");
    if out == project {
        project.with_extension("session")
    } else {
        out
    }
}

pub fn run(args: &Args) -> CmdResult {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out(&args.project));
    let opts = ImportOptions {
        limits: Limits {
            max_expanded: args.max_size.saturating_mul(1 << 20),
            ..Limits::default()
        },
        replace: args.force,
    };
    let imported = stemkit_dawproject::import(&args.project, &out, &opts)?;
    for w in &imported.warnings {
        eprintln!("warning: {w}");
    }
    if !args.quiet {
        eprintln!(
            "imported {} track(s) into {} stem(s) and {} return(s), {} audio file(s): {}",
            imported.tracks,
            imported.stems,
            imported.returns,
            imported.audio.len(),
            imported.session.display()
        );
        eprintln!(
            "render it with: stemkit render {}",
            imported.session.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
