//! `stemkit render SESSION`: print every stem, return and the mix in one pass.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use stemkit_session::{BitDepth, FileFormat, MasterMode, Session, Variant};

use super::CmdResult;
use crate::report::Report;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The session file (TOML).
    pub session: PathBuf,
    /// Output folder [default: `stems/` beside the session file].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// File format, overriding `[output] format`.
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Bits per sample (32 = float), overriding `[output] bit_depth`.
    #[arg(long, value_parser = ["16", "24", "32"])]
    pub bits: Option<String>,
    /// Variants to print (repeatable), overriding `[output] variants`.
    #[arg(long = "variant", value_enum)]
    pub variants: Vec<VariantArg>,
    /// How the master chain relates to the stems, overriding `[output] master`.
    #[arg(long, value_enum)]
    pub master: Option<MasterArg>,
    /// Print the report as one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
    /// No progress bar and no summary.
    #[arg(long)]
    pub quiet: bool,
    /// Re-render a performance captured by `stemkit live` into `<out>/<capture name>.wav`,
    /// equal to what was played sample for sample.
    #[arg(long, value_name = "FILE")]
    pub automation: Option<PathBuf>,
    /// Also write the printed stems and returns as a DAWproject [default file:
    /// `<session name>.dawproject` beside the prints].
    #[arg(long, value_name = "FILE", num_args = 0..=1)]
    pub dawproject: Option<Option<PathBuf>>,
    /// Reference the prints beside the DAWproject instead of storing them in it.
    #[arg(long, requires = "dawproject")]
    pub dawproject_external: bool,
    /// Worker threads [default: one per core]. The files are the same whatever the number.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Print only the mix (and the mastered mix): the same file a full render writes,
    /// without the stem and return files.
    #[arg(long)]
    pub mix_only: bool,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum FormatArg {
    Wav,
    Flac,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum VariantArg {
    Dry,
    Wet,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum MasterArg {
    Bypass,
    Consistent,
}

pub fn run(args: &Args) -> CmdResult {
    let mut session = stemkit_session::load(&args.session)?;
    apply_overrides(&mut session, args)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| session.dir().join("stems"));
    if let Some(automation) = &args.automation {
        return super::live::replay(&session, automation, &out, args.threads.unwrap_or(0));
    }
    let mut opts = stemkit_engine::RenderOptions::new(&out);
    opts.threads = args.threads.unwrap_or(0);
    opts.mix_only = args.mix_only;
    let code = render_session_with(&session, &opts, args.json, args.quiet)?;
    // `--dawproject [FILE]`, or `[output] dawproject = true` (beside the prints).
    let handoff = args
        .dawproject
        .clone()
        .or_else(|| session.output.dawproject.then_some(None));
    if let Some(target) = &handoff {
        let written =
            super::handoff::write(&session, &out, target.as_deref(), !args.dawproject_external)?;
        if !args.quiet {
            eprintln!("DAWproject: {}", written.display());
        }
    }
    Ok(code)
}

fn apply_overrides(session: &mut Session, args: &Args) -> Result<(), String> {
    let o = &mut session.output;
    if let Some(f) = args.format {
        o.format = match f {
            FormatArg::Wav => FileFormat::Wav,
            FormatArg::Flac => FileFormat::Flac,
        };
    }
    if let Some(bits) = &args.bits {
        o.bit_depth = BitDepth::try_from(bits.parse::<u32>().map_err(|e| e.to_string())?)?;
    }
    if !args.variants.is_empty() {
        o.variants.clear();
        for v in &args.variants {
            let v = match v {
                VariantArg::Dry => Variant::Dry,
                VariantArg::Wet => Variant::Wet,
            };
            if !o.variants.contains(&v) {
                o.variants.push(v);
            }
        }
    }
    if let Some(m) = args.master {
        o.master = match m {
            MasterArg::Bypass => MasterMode::Bypass,
            MasterArg::Consistent => MasterMode::Consistent,
        };
    }
    if o.format == FileFormat::Flac && !o.bit_depth.is_integer() {
        return Err("FLAC output is 16 or 24-bit; use --bits 24 or --format wav".into());
    }
    Ok(())
}

/// Renders `session` into `out`, verifies, commits the files and writes `report.json`;
/// on failure nothing is left under a final name (and a folder this call created is
/// removed again).
pub fn render_session(session: &Session, out: &Path, json: bool, quiet: bool) -> CmdResult {
    render_session_with(
        session,
        &stemkit_engine::RenderOptions::new(out),
        json,
        quiet,
    )
}

/// [`render_session`] with the engine's options (threads, mix only).
pub fn render_session_with(
    session: &Session,
    opts: &stemkit_engine::RenderOptions,
    json: bool,
    quiet: bool,
) -> CmdResult {
    let out = opts.out_dir.as_path();
    let created = !out.exists();
    let result = render_and_commit(session, opts, json, quiet);
    if result.is_err() && created {
        // Only removes the folder if the failed render left it empty.
        let _ = std::fs::remove_dir(out);
    }
    result
}

fn render_and_commit(
    session: &Session,
    opts: &stemkit_engine::RenderOptions,
    json: bool,
    quiet: bool,
) -> CmdResult {
    let out = opts.out_dir.as_path();
    let started = std::time::Instant::now();
    let bar = (!quiet && !json && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(1);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} rendering [{bar:40}] {percent:>3}% {elapsed} ",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar
    });
    let render = stemkit_engine::render(session, opts, &mut |done, total| {
        if let Some(b) = &bar {
            b.set_length(total.max(1));
            b.set_position(done);
        }
    })?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let took = started.elapsed();
    // Every file is read back while the disk syncs them; a failed sync is retried, and
    // reported, by the commit.
    let checking = std::time::Instant::now();
    let read_back = std::thread::scope(|scope| {
        scope.spawn(|| {
            for f in &render.files {
                let _ = f.pending.sync();
            }
        });
        stemkit_engine::verify(&render, opts.threads)
    })?;
    let report = Report::build(session, &render, &read_back, took, checking.elapsed());
    // Every file verified: only now do they take their final names.
    let mut committed = Vec::with_capacity(render.files.len());
    for f in render.files {
        committed.push(f.pending.commit()?);
    }
    let report_path = out.join("report.json");
    stemkit_io::AtomicFile::write(&report_path, report.to_json().as_bytes())?;
    if json {
        println!("{}", report.to_json());
    } else if !quiet {
        eprint!("{}", report.summary(&report_path));
    }
    if !quiet {
        for w in &report.warnings {
            eprintln!("warning: {w}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
