//! `stemkit demo`: synthesise an example multitrack session and render it.

use std::path::{Path, PathBuf};

use stemkit_core::AudioBuffer;
use stemkit_demo::{Demo, DemoOptions};
use stemkit_dsp::dither::{DitherKind, Quantizer};
use stemkit_io::{SampleFormat, WavSpec, WavWriter};

use super::CmdResult;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder for the session, its audio and the rendered stems.
    #[arg(long, default_value = "stemkit-demo")]
    pub out: PathBuf,
    /// Song length in seconds.
    #[arg(long, default_value_t = 60.0)]
    pub seconds: f64,
    /// Number of source tracks (at least 6: one per stem).
    #[arg(long, default_value_t = 16)]
    pub tracks: usize,
    /// Print the render report as one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
    /// No progress bar and no summary.
    #[arg(long)]
    pub quiet: bool,
    /// Only EQ and gain inserts: no dynamics, saturation, effect returns beyond a plain
    /// gain return, or master chain (unprocessed stems, e.g. to test a receiving chain).
    #[arg(long)]
    pub plain: bool,
}

pub fn run(args: &Args) -> CmdResult {
    if args.tracks < 6 {
        return Err(format!(
            "--tracks {}: the demo needs at least 6 tracks, one per stem",
            args.tracks
        )
        .into());
    }
    if !(args.seconds.is_finite() && (5.0..=3600.0).contains(&args.seconds)) {
        return Err(format!("--seconds {}: choose 5 to 3600 seconds", args.seconds).into());
    }
    let opts = DemoOptions {
        tracks: args.tracks,
        seconds: args.seconds,
        processing: !args.plain,
        ..DemoOptions::default()
    };
    let demo = Demo::new(&opts)?;
    if !args.quiet && !args.json {
        eprintln!(
            "synthesising {} tracks of {:.0} s into {}",
            demo.tracks().len(),
            args.seconds,
            args.out.display()
        );
    }
    for (i, _) in demo.tracks().iter().enumerate() {
        write_track(&demo, i, &args.out)?;
    }
    let session_path = args.out.join("session.toml");
    stemkit_io::AtomicFile::write(&session_path, demo.session_toml().as_bytes())?;
    let session = stemkit_session::load(&session_path)?;
    super::render::render_session(&session, &args.out.join("stems"), args.json, args.quiet)
}

/// Streams one synthesised track into a 24-bit WAV file.
fn write_track(demo: &Demo, i: usize, dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let track = &demo.tracks()[i];
    let path = dir.join(&track.file_name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("{}: cannot create folder: {e}", parent.display()))?;
    }
    let mut synth = demo.synth(i);
    let channels = synth.channels();
    let spec = WavSpec {
        sample_rate: demo.options().sample_rate,
        channels: channels as u16,
        format: SampleFormat::Int24,
    };
    let mut writer = WavWriter::create(&path, spec)?;
    let mut buf = AudioBuffer::new(channels, 8192);
    let mut q = Quantizer::new(24, DitherKind::Tpdf, i as u64);
    let mut codes = vec![vec![0_i32; 8192]; channels];
    loop {
        let n = synth.fill(&mut buf);
        if n == 0 {
            break;
        }
        for (c, out) in codes.iter_mut().enumerate() {
            q.quantize_block(&buf.channel(c)[..n], &mut out[..n]);
        }
        let planar: Vec<&[i32]> = codes.iter().map(|c| &c[..n]).collect();
        writer.write_int(&planar)?;
    }
    writer.finish()?.commit()?;
    Ok(())
}
