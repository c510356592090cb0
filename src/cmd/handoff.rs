//! `render --dawproject`: the printed stems handed off as a DAWproject, so the receiving
//! engineer opens them in a DAW lined up at bar 1 with the tempo set.
//!
//! It reads the render's `report.json` (the contract of what was printed) rather than the
//! render's internals, so it sees exactly the committed files: the dry stems and the
//! returns when the dry variant was printed (they sum to the mix), else the wet stems.

use std::path::{Path, PathBuf};

use stemkit_dawproject::{ExportSpec, ExportTrack};
use stemkit_session::Session;

/// `<session name>.dawproject`, with the characters a file name cannot hold replaced.
fn default_name(session: &Session) -> String {
    let name: String = session
        .settings
        .name
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\') || c.is_control() {
                '-'
            } else {
                c
            }
        })
        .collect();
    let name = name.trim().trim_start_matches('.');
    format!(
        "{}.dawproject",
        if name.is_empty() { "stems" } else { name }
    )
}

/// Writes the DAWproject for the render in `out` to `target` (default: beside the
/// prints), the audio stored inside it or, with `embed` false, referenced beside it.
///
/// # Errors
/// A message naming `report.json` or the file that could not be written.
pub fn write(
    session: &Session,
    out: &Path,
    target: Option<&Path>,
    embed: bool,
) -> Result<PathBuf, Box<dyn std::error::Error>> {
    let report_path = out.join("report.json");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&report_path)?)
        .map_err(|e| format!("{}: {e}", report_path.display()))?;
    let files = report["files"].as_array().cloned().unwrap_or_default();
    let is = |f: &serde_json::Value, role: &str| f["role"] == role;
    let dry = files.iter().any(|f| is(f, "stem") && f["variant"] == "dry");
    let tracks: Vec<ExportTrack> = files
        .iter()
        .filter(|f| (is(f, "stem") && (!dry || f["variant"] == "dry")) || (dry && is(f, "return")))
        .map(|f| {
            Ok(ExportTrack {
                name: f["name"].as_str().unwrap_or("Stem").to_owned(),
                path: PathBuf::from(f["path"].as_str().ok_or("a file without a path")?),
                channels: f["channels"].as_u64().unwrap_or(2) as usize,
                frames: f["frames"].as_u64().unwrap_or(0),
            })
        })
        .collect::<Result<_, &str>>()
        .map_err(|e| format!("{}: {e}", report_path.display()))?;
    let text = std::fs::read_to_string(&session.path).unwrap_or_default();
    let spec = ExportSpec {
        name: session.settings.name.clone(),
        bpm: session.settings.bpm,
        time_signature: stemkit_dawproject::time_signature_in(&text),
        sample_rate: session.settings.sample_rate,
        tracks,
        embed,
    };
    let dest = target.map_or_else(|| out.join(default_name(session)), Path::to_path_buf);
    Ok(stemkit_dawproject::export(&spec, &dest)?)
}
