//! Finding the audio files of a folder and reading what `init` needs from each: the
//! header, where the content starts, the loudest stretch, and (when asked) the features
//! of that stretch.
//!
//! Each file is decoded once from start to end for its levels, keeping ten numbers per
//! second; the features then read only the loudest [`ANALYSIS_SECONDS`], so a folder of
//! ten-minute files costs one decode of each plus half a minute of analysis per file
//! whose name says nothing.

use std::path::{Path, PathBuf};

use stemkit_core::AudioBuffer;
use stemkit_io::{IoError, SourceInfo, SourceReader};

use crate::InitError;
use crate::features::{Analyzer, Features};

/// The file extensions taken as audio (case-insensitive).
pub const EXTENSIONS: [&str; 10] = [
    "wav", "wave", "bwf", "aif", "aiff", "aifc", "flac", "mp3", "ogg", "oga",
];

/// Seconds of the loudest stretch the features are measured on.
pub const ANALYSIS_SECONDS: f64 = 30.0;

/// Content starts at the first sample above this level, dBFS.
pub const CONTENT_DBFS: f64 = -60.0;

/// The audio files under `dir`, relative to it, in natural order (`Audio 2` before
/// `Audio 10`). Hidden files and folders (`.` names, such as macOS `._` resource forks)
/// are skipped, and so are folders holding a `report.json`: printed stems of an earlier
/// render, not sources.
///
/// # Errors
/// [`InitError::Folder`] when `dir` or a subfolder cannot be listed.
pub fn audio_files(dir: &Path) -> Result<Vec<PathBuf>, InitError> {
    let mut out = Vec::new();
    walk(dir, Path::new(""), &mut out)?;
    out.sort_by(|a, b| natural_cmp(&a.to_string_lossy(), &b.to_string_lossy()));
    Ok(out)
}

fn walk(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> Result<(), InitError> {
    let dir = root.join(rel);
    let folder_err = |source| InitError::Folder {
        path: dir.clone(),
        source,
    };
    let entries = std::fs::read_dir(&dir).map_err(folder_err)?;
    if !rel.as_os_str().is_empty() && dir.join("report.json").is_file() {
        return Ok(());
    }
    for entry in entries {
        let entry = entry.map_err(folder_err)?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let child = rel.join(&name);
        if path.is_dir() {
            // Symbolic links to folders are not followed: no loops, no surprises.
            if !entry.file_type().is_ok_and(|t| t.is_symlink()) {
                walk(root, &child, out)?;
            }
        } else if is_audio_name(&path) {
            out.push(child);
        }
    }
    Ok(())
}

fn is_audio_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Orders digit runs by value, everything else by lower-cased characters.
#[must_use]
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let (mut a, mut b) = (a.chars().peekable(), b.chars().peekable());
    loop {
        match (a.peek().copied(), b.peek().copied()) {
            (None, None) => return std::cmp::Ordering::Equal,
            (None, Some(_)) => return std::cmp::Ordering::Less,
            (Some(_), None) => return std::cmp::Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let num = |it: &mut std::iter::Peekable<std::str::Chars<'_>>| {
                    let mut s = String::new();
                    while let Some(c) = it.next_if(char::is_ascii_digit) {
                        s.push(c);
                    }
                    s
                };
                let (na, nb) = (num(&mut a), num(&mut b));
                let (ta, tb) = (na.trim_start_matches('0'), nb.trim_start_matches('0'));
                let ord = ta.len().cmp(&tb.len()).then_with(|| ta.cmp(tb));
                if ord != std::cmp::Ordering::Equal {
                    return ord;
                }
            }
            (Some(x), Some(y)) => {
                let ord = x.to_lowercase().cmp(y.to_lowercase());
                if ord != std::cmp::Ordering::Equal {
                    return ord;
                }
                a.next();
                b.next();
            }
        }
    }
}

/// Levels of a whole file.
#[derive(Clone, Debug, PartialEq)]
pub struct Levels {
    /// Frames decoded (at the file's own rate).
    pub frames: u64,
    /// Sample peak, dBFS (`-inf` for digital silence).
    pub peak_dbfs: f64,
    /// The first frame with a sample above [`CONTENT_DBFS`]; `None` when there is none.
    pub content_start: Option<u64>,
    /// First frame and length of the loudest [`ANALYSIS_SECONDS`] (the whole file when
    /// shorter).
    pub loudest: (u64, u64),
}

/// Decodes `info`'s file once, at its own rate.
///
/// # Errors
/// Any decoding error of the file.
pub fn levels(info: &SourceInfo) -> Result<Levels, IoError> {
    let mut reader = SourceReader::open(&info.path, info.sample_rate, 0.0)?;
    let block = (info.sample_rate / 10).max(1) as usize;
    let threshold = 10f32.powf(CONTENT_DBFS as f32 / 20.0);
    let mut buf = AudioBuffer::new(info.channels, block);
    let mut energies: Vec<f64> = Vec::new();
    let (mut frames, mut peak, mut start) = (0_u64, 0.0_f32, None);
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        let mut energy = 0.0;
        let mut first_loud = None::<usize>;
        for ch in buf.iter_channels() {
            for (i, &x) in ch[..n].iter().enumerate() {
                let a = x.abs();
                peak = peak.max(a);
                energy += f64::from(x) * f64::from(x);
                if a > threshold && first_loud.is_none_or(|f| i < f) {
                    first_loud = Some(i);
                }
            }
        }
        if start.is_none() {
            start = first_loud.map(|i| frames + i as u64);
        }
        energies.push(energy);
        frames += n as u64;
        if n < block {
            break;
        }
    }
    // The loudest window of whole blocks, by a running sum.
    let window = ((ANALYSIS_SECONDS * 10.0) as usize)
        .min(energies.len())
        .max(1);
    let mut best = (0, f64::NEG_INFINITY);
    let mut sum: f64 = energies.iter().take(window).sum();
    for i in 0..=energies.len().saturating_sub(window) {
        if i > 0 {
            sum += energies[i + window - 1] - energies[i - 1];
        }
        if sum > best.1 {
            best = (i, sum);
        }
    }
    let first = (best.0 * block) as u64;
    let len = ((window * block) as u64).min(frames - first.min(frames));
    Ok(Levels {
        frames,
        peak_dbfs: 20.0 * f64::from(peak).log10(),
        content_start: start,
        loudest: (first, len),
    })
}

/// The features of the loudest stretch found by [`levels`].
///
/// # Errors
/// Any decoding error of the file.
pub fn features(info: &SourceInfo, levels: &Levels) -> Result<Features, IoError> {
    let rate = info.sample_rate;
    let (first, len) = levels.loudest;
    let mut reader = SourceReader::open(&info.path, rate, first as f64 / f64::from(rate))?;
    let mut analyzer = Analyzer::new(rate);
    let block = 8192;
    let mut buf = AudioBuffer::new(info.channels, block);
    let mut mono = vec![0.0_f32; block];
    let mut left = len;
    while left > 0 {
        let n = reader
            .read(&mut buf)?
            .min(usize::try_from(left).unwrap_or(block));
        if n == 0 {
            break;
        }
        let gain = 1.0 / info.channels as f32;
        mono[..n].fill(0.0);
        for ch in buf.iter_channels() {
            for (m, &x) in mono[..n].iter_mut().zip(ch) {
                *m += x * gain;
            }
        }
        analyzer.push(&mono[..n]);
        left -= n as u64;
    }
    Ok(analyzer.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_reads_numbers_as_numbers() {
        let mut v = vec!["Audio 10", "audio 2", "Audio 1", "Bass", "Audio 02b"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, ["Audio 1", "audio 2", "Audio 02b", "Audio 10", "Bass"]);
    }
}
