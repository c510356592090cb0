//! `stemkit check`: a folder of stems against a delivery spec and the mix it should sum to.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use stemkit_analysis::{CheckOptions, Spec, check_folder_with_progress, render_html, render_text};

use super::{CmdResult, EXIT_CHECK_FAILED};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder holding the stems (and the mix, unless --mix names it).
    dir: PathBuf,
    /// The mix the stems must sum to (default: the file in DIR whose name starts with "Mix").
    #[arg(long, value_name = "FILE")]
    mix: Option<PathBuf>,
    /// Delivery spec (TOML, see docs/delivery-spec.md); default: the common stem delivery spec.
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
    /// Print one JSON document on stdout instead of the summary.
    #[arg(long)]
    json: bool,
    /// Also write a self-contained HTML report with every stem's waveform on one time axis.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

pub fn run(args: &Args) -> CmdResult {
    let spec = match &args.spec {
        Some(path) => Spec::load(path)?,
        None => Spec::default(),
    };
    // A bar on a terminal only; stdout stays free for the report.
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(1);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {msg:16} [{bar:40}] {percent:>3}% {elapsed} ",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar
    });
    let opts = CheckOptions {
        spec,
        mix: args.mix.clone(),
    };
    let report = check_folder_with_progress(&args.dir, &opts, &mut |stage, done, total| {
        if let Some(b) = &bar {
            if b.message() != stage {
                b.set_message(stage.to_owned());
            }
            b.set_length(total.max(1));
            b.set_position(done);
        }
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let report = report?;
    if let Some(path) = &args.html {
        std::fs::write(path, render_html(&report))
            .map_err(|e| format!("{}: cannot write the HTML report: {e}", path.display()))?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render_text(&report));
    }
    Ok(if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_CHECK_FAILED)
    })
}
