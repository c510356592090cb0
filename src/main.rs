//! The `stemkit` command line (DESIGN §5).

#![forbid(unsafe_code)]

mod cmd;
mod report;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Print stems to delivery spec in one pass, prove they sum to the mix, check stem sets.
#[derive(Debug, Parser)]
#[command(name = "stemkit", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Synthesise an example multitrack session and render it.
    Demo(cmd::demo::Args),
    /// Render a session: every stem, every return and the mix, in one pass.
    Render(cmd::render::Args),
    /// Check a folder of stems against a delivery spec (and the mix they should sum to).
    Check(cmd::check::Args),
    /// Measure loudness, true peak and more of audio files.
    Meter(cmd::meter::Args),
    /// Play a session's stems in real time, remixed from a web page, OSC or MIDI.
    Live(cmd::live::Args),
    /// Make a session folder from a DAWproject file (.dawproject).
    Import(cmd::import::Args),
    /// Make a session from a folder of exported tracks: stems, processing, tempo and key.
    Init(cmd::init::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(args) => cmd::demo::run(&args),
        Command::Render(args) => cmd::render::run(&args),
        Command::Check(args) => cmd::check::run(&args),
        Command::Meter(args) => cmd::meter::run(&args),
        Command::Live(args) => cmd::live::run(&args),
        Command::Import(args) => cmd::import::run(&args),
        Command::Init(args) => cmd::init::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(cmd::EXIT_FAILED)
        }
    }
}
