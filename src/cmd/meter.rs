//! `stemkit meter`: loudness, peaks, DC offset and stereo image of audio files.

use std::path::PathBuf;
use std::process::ExitCode;

use serde::Serialize;
use stemkit_analysis::{Measurements, fmt_db, meter_file};

use super::CmdResult;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Audio files to measure (any format the decoder reads).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Print one JSON document on stdout instead of the table.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct FileMeter {
    file: String,
    bits_per_sample: Option<u32>,
    codec: String,
    container: String,
    #[serde(flatten)]
    measurements: Measurements,
}

pub fn run(args: &Args) -> CmdResult {
    let mut files = Vec::new();
    for path in &args.files {
        let (info, measurements) = meter_file(path)?;
        files.push(FileMeter {
            file: path.display().to_string(),
            bits_per_sample: info.bits_per_sample,
            codec: info.codec,
            container: info.container,
            measurements,
        });
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "files": files }))?
        );
        return Ok(ExitCode::SUCCESS);
    }
    for f in &files {
        let m = &f.measurements;
        let num = |v: Option<f64>, unit: &str| {
            v.map_or_else(|| format!("-inf {unit}"), |v| format!("{v:.1} {unit}"))
        };
        println!("{}", f.file);
        println!(
            "  {} Hz, {} ch, {:.3} s, {} {}",
            m.sample_rate,
            m.channels,
            m.frames as f64 / f64::from(m.sample_rate),
            f.container,
            f.codec
        );
        println!("  integrated      {}", num(m.integrated_lufs, "LUFS"));
        println!("  loudness range  {}", num(m.loudness_range_lu, "LU"));
        println!("  max momentary   {}", num(m.max_momentary_lufs, "LUFS"));
        println!("  max short-term  {}", num(m.max_short_term_lufs, "LUFS"));
        println!("  sample peak     {}", fmt_db(m.sample_peak_dbfs, "dBFS"));
        println!("  true peak       {}", fmt_db(m.true_peak_dbtp, "dBTP"));
        let dc: Vec<String> = m.dc_offset.iter().map(|d| format!("{d:+.6}")).collect();
        println!("  DC offset       {}", dc.join(" / "));
        if let Some(st) = &m.stereo {
            let corr = st
                .correlation
                .map_or_else(|| "n/a".to_owned(), |c| format!("{c:.3}"));
            let verdict = if st.dual_mono {
                "dual mono: the file is really mono"
            } else {
                "stereo"
            };
            println!(
                "  stereo          correlation {corr}, side/mid {}: {verdict}",
                fmt_db(st.side_to_mid_db, "dB")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
