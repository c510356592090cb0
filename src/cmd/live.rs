//! `stemkit live SESSION`: play a session's stems in real time and remix them from a web
//! page, OSC or MIDI; every move is captured for `stemkit render --automation`.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use stemkit_live::{Access, Control, Live, LiveOptions, OscServer, Output, WebServer};

use super::CmdResult;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The session file (TOML).
    pub session: PathBuf,
    /// Address of the web control page, or `none`.
    #[arg(long, default_value = "127.0.0.1:7700", value_name = "ADDR")]
    pub http: String,
    /// UDP address for OSC control, or `none`.
    #[arg(long, default_value = "127.0.0.1:7701", value_name = "ADDR")]
    pub osc: String,
    /// Where the audio goes: device[:NAME] (needs the `device` feature), jack (the `jack`
    /// feature), null (real time, no sound card) or file:PATH (real time, recorded to a
    /// 32-bit float WAV) [default: device when built with it, else null].
    #[arg(long, value_name = "OUTPUT")]
    pub output: Option<Output>,
    /// Stop after this many seconds of output.
    #[arg(long, value_name = "S")]
    pub duration: Option<f64>,
    /// Frames per audio block (the device buffer size).
    #[arg(long, default_value_t = 256, value_name = "N")]
    pub block: usize,
    /// Threads that run stems' inserts beside the audio thread (0: the audio thread runs
    /// everything). The sound is the same whatever the number.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub helpers: usize,
    /// Write the performance capture here [default: beside a file: output, as
    /// `<name>.automation`].
    #[arg(long, value_name = "FILE")]
    pub capture: Option<PathBuf>,
    /// Start playing at once.
    #[arg(long)]
    pub play: bool,
    /// Start with the master's safety limiter switched out.
    #[arg(long)]
    pub no_limiter: bool,
    /// Allow --http or --osc on an address other machines can reach; clients then need
    /// the token printed at start.
    #[arg(long)]
    pub allow_remote: bool,
    /// Take MIDI controllers from the input port whose name contains PORT (or the first
    /// port); needs the `midi` feature.
    #[arg(long, value_name = "PORT", num_args = 0..=1, default_missing_value = "")]
    pub midi: Option<String>,
    /// The MIDI learn mapping (TOML) [default: `<session>.midi.toml` beside the session].
    #[arg(long, value_name = "FILE")]
    pub midi_map: Option<PathBuf>,
}

fn addr(text: &str, flag: &str) -> Result<Option<SocketAddr>, String> {
    if text == "none" {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|e| format!("--{flag} {text}: {e} (use HOST:PORT, or none)"))
}

pub fn run(args: &Args) -> CmdResult {
    let session = stemkit_session::load(&args.session)?;
    let output = args.output.clone().unwrap_or(if stemkit_live::HAS_DEVICE {
        Output::Device(None)
    } else {
        Output::Null
    });
    let capture = args.capture.clone().or_else(|| match &output {
        Output::File(p) => Some(p.with_extension("automation")),
        _ => None,
    });
    output.check()?;
    let (http, osc) = (addr(&args.http, "http")?, addr(&args.osc, "osc")?);
    let token = stemkit_live::new_token()?;
    let web_access = http
        .map(|a| Access::for_bind(a, args.allow_remote, &token, "--http"))
        .transpose()?;
    let osc_access = osc
        .map(|a| Access::for_bind(a, args.allow_remote, &token, "--osc"))
        .transpose()?;

    let options = LiveOptions {
        block: args.block,
        capture: capture.clone(),
        helpers: args.helpers,
    };
    let mut live = Live::new(&session, &options, &mut |note| eprintln!("{note}"))?;
    let handle = live.handle();
    live.scan_overview();
    let remote = web_access
        .iter()
        .chain(&osc_access)
        .any(|a| a.token.is_some());
    let web = match (http, web_access) {
        (Some(a), Some(access)) => Some(WebServer::start(a, handle.clone(), access)?),
        _ => None,
    };
    let osc_server = match (osc, osc_access) {
        (Some(a), Some(access)) => Some(OscServer::start(a, handle.clone(), access)?),
        _ => None,
    };
    if let Some(w) = &web {
        let query = if remote {
            format!("/?token={token}")
        } else {
            "/".into()
        };
        eprintln!("control page: http://{}{query}", w.addr());
    }
    if let Some(o) = &osc_server {
        eprintln!("OSC: udp://{} (addresses under /stemkit/)", o.addr());
    }
    if remote {
        eprintln!("access token: {token}");
    }
    let _midi = match &args.midi {
        Some(port) => {
            let map = args
                .midi_map
                .clone()
                .unwrap_or_else(|| args.session.with_extension("midi.toml"));
            let port = Some(port.as_str()).filter(|p| !p.is_empty());
            let connection = stemkit_live::midi::connect(&handle, port, Some(map.clone()))?;
            eprintln!("MIDI: {} (mapping {})", connection.port, map.display());
            Some(connection)
        }
        None => None,
    };
    if args.no_limiter {
        handle.send(Control::MasterLimiter { on: false })?;
    }
    if args.play {
        handle.send(Control::Play)?;
    }
    let interrupted = stemkit_live::stop_on_interrupt()?;
    let processor = live
        .take_processor()
        .ok_or("the session has no processor")?;
    let latency_ms = handle.latency() as f64 * 1000.0 / f64::from(session.settings.sample_rate);
    eprintln!(
        "playing to {output:?}, {} frames a block, {latency_ms:.1} ms mix latency; Ctrl-C ends",
        args.block
    );
    let playback = stemkit_live::play(processor, &output, args.duration)?;
    let status = std::io::stderr().is_terminal();
    let mut last = Instant::now();
    while !playback.is_finished() && !interrupted.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(50));
        if status && last.elapsed() >= Duration::from_secs(1) {
            last = Instant::now();
            let m = handle.meters();
            let pos =
                m.playhead.load(Ordering::Relaxed) as f64 / f64::from(session.settings.sample_rate);
            eprint!(
                "\r{:?} {pos:7.2} s  underruns {}  ",
                m.transport_state(),
                m.underruns.load(Ordering::Relaxed)
            );
        }
    }
    if status {
        eprintln!();
    }
    let recording = playback.stop()?;
    drop((web, osc_server));
    let lost_frames = handle.meters().lost_recording.load(Ordering::Relaxed);
    let lost_entries = handle.meters().lost_captures.load(Ordering::Relaxed);
    let summary = live.finish()?;
    if lost_frames > 0 {
        eprintln!("warning: the recording lost {lost_frames} frames (the disk was too slow)");
    }
    if lost_entries > 0 {
        eprintln!("warning: the capture lost {lost_entries} entries; its replay will differ");
    }
    eprintln!(
        "played {:.2} s, {} underruns",
        summary.frames as f64 / f64::from(session.settings.sample_rate),
        summary.underruns
    );
    if let Some(r) = recording {
        eprintln!("recording: {}", r.display());
    }
    if let Some(c) = summary.capture {
        eprintln!(
            "capture: {} (replay: stemkit render {} --automation {})",
            c.display(),
            args.session.display(),
            c.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `stemkit render SESSION --automation FILE`: replays a captured performance into
/// `<out>/<capture name>.wav`, on `threads` threads (`render --threads`; 0 = one per core).
pub fn replay(
    session: &stemkit_session::Session,
    automation: &std::path::Path,
    out: &std::path::Path,
    threads: usize,
) -> CmdResult {
    let name = automation
        .file_stem()
        .ok_or_else(|| format!("{}: not a file name", automation.display()))?;
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let path = out.join(name).with_extension("wav");
    // The replay's helpers: the threads beyond the one driving the graph.
    let helpers = match threads {
        0 => std::thread::available_parallelism().map_or(0, |n| n.get() - 1),
        n => n - 1,
    };
    let report = stemkit_live::render_automation_with(session, automation, &path, helpers)?;
    eprintln!("{report}");
    Ok(ExitCode::SUCCESS)
}
