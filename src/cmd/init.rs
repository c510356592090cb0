//! `stemkit init DIR`: a ready session from a folder of exported tracks.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use stemkit_init::{InitError, Layout, Options};

use super::CmdResult;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder of exported tracks (subfolders are scanned too).
    pub dir: PathBuf,
    /// The session file to write [default: DIR/session.toml]; track paths are relative to it.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Stem architecture: `six`, `twelve`, or a layout file (TOML).
    #[arg(long, default_value = "six")]
    pub layout: String,
    /// Tempo of the song, used over what file names and metadata say.
    #[arg(long)]
    pub bpm: Option<f64>,
    /// Key of the song (`Am`, `F#m`, `Eb`, `C`), used over what file names and metadata say.
    #[arg(long)]
    pub key: Option<String>,
    /// Overwrite an existing session file.
    #[arg(long)]
    pub force: bool,
    /// No progress bar and no summary (warnings are still printed).
    #[arg(long)]
    pub quiet: bool,
}

pub fn run(args: &Args) -> CmdResult {
    if let Some(bpm) = args.bpm
        && !(bpm.is_finite() && (20.0..=999.0).contains(&bpm))
    {
        return Err(format!("--bpm {bpm}: choose 20 to 999").into());
    }
    let key = args.key.as_deref().map(parse_key).transpose()?;
    let layout = Layout::resolve(&args.layout)?;
    if !args.dir.is_dir() {
        return Err(format!("{}: no such folder", args.dir.display()).into());
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.dir.join("session.toml"));
    if out.is_dir() {
        return Err(format!("{}: is a folder; --out takes a file name", out.display()).into());
    }
    if out.exists() && !args.force {
        return Err(InitError::Exists { path: out }.into());
    }
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("{}: cannot create folder: {e}", parent.display()))?;
    }
    let opts = Options {
        layout,
        bpm: args.bpm,
        key,
        session_path: out.clone(),
    };

    let bar = (!args.quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(1);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} reading tracks [{bar:40}] {pos}/{len} {elapsed} ",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar
    });
    let plan = stemkit_init::plan(&args.dir, &opts, &mut |done, total| {
        if let Some(b) = &bar {
            b.set_length(total as u64);
            b.set_position(done as u64);
        }
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let plan = plan?;
    for w in &plan.warnings {
        eprintln!("warning: {w}");
    }
    let text = plan.session_toml();
    // What `render` will read must load as written.
    stemkit_session::parse(&text, &out).map_err(InitError::from)?;
    stemkit_io::AtomicFile::write(&out, text.as_bytes())?;

    if !args.quiet {
        let stems: Vec<String> = plan
            .stems()
            .iter()
            .map(|(name, n)| format!("{name} {n}"))
            .collect();
        let placed = plan
            .tracks
            .iter()
            .filter(|t| t.placement.stem.is_some())
            .count();
        eprintln!(
            "wrote {}: {placed} tracks in {} stems ({})",
            out.display(),
            stems.len(),
            stems.join(", ")
        );
        let left_out = plan.tracks.len() - placed;
        if left_out > 0 || !plan.skipped.is_empty() {
            eprintln!(
                "{left_out} left out (click, timecode, references), {} unreadable: listed at the top of the session",
                plan.skipped.len()
            );
        }
        eprintln!("render it with: stemkit render {}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `--key` as the session writes keys: `Am`, `F#m`, `Eb`, `C`.
fn parse_key(text: &str) -> Result<String, String> {
    let t = text.trim();
    if let Some(k) = stemkit_init::tempo::key_in(t) {
        return Ok(k);
    }
    if t.len() == 1 && ('A'..='G').contains(&t.chars().next().unwrap_or(' ')) {
        return Ok(t.to_owned());
    }
    Err(format!(
        "--key {text}: not a key like Am, F#m, Bbm, Eb or C"
    ))
}
