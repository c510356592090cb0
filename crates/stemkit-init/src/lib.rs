//! `stemkit init`: a ready session from a folder of exported tracks.
//!
//! A producer exports every track of a song into a folder; [`plan`] scans it, reads each
//! file's rate, channels, length and where its content starts, puts each track in a stem
//! of a [`Layout`] and finds the song's tempo and key; [`Plan::session_toml`] writes the
//! session, with the reason for every choice as a comment, that `stemkit render` accepts
//! as it is.
//!
//! A track's stem comes from, in this order: the layout's own naming rules; the words of
//! its file name ([`names`]); the names of the folders it sits in; and, when no name says
//! anything (`Audio 07.wav`), from its audio ([`features`], [`classify`]).
#![forbid(unsafe_code)]

pub mod classify;
mod error;
pub mod features;
pub mod layout;
pub mod names;
pub mod role;
pub mod scan;
mod session;
mod tags;
pub mod tempo;

use std::path::{Path, PathBuf};

pub use error::InitError;
pub use layout::Layout;
pub use role::Role;
use stemkit_io::SourceInfo;

/// What `init` is asked for.
#[derive(Clone, Debug)]
pub struct Options {
    pub layout: Layout,
    /// Tempo to use; overrides what names and metadata say.
    pub bpm: Option<f64>,
    /// Key to use (`"Am"`); overrides what names and metadata say.
    pub key: Option<String>,
    /// Where the session will be written: track paths are relative to its folder.
    pub session_path: PathBuf,
}

/// How a track's stem was chosen.
#[derive(Clone, Debug, PartialEq)]
pub enum Reason {
    /// A naming rule of the layout (its word, phrase or pattern).
    Rule(String),
    /// Words of the file name, as written.
    Name(Vec<String>),
    /// Words of a folder the file sits in.
    Folder { folder: String, words: Vec<String> },
    /// The audio features, described.
    Audio(String),
}

/// Where a track goes.
#[derive(Clone, Debug, PartialEq)]
pub struct Placement {
    /// Index into the layout's stems; `None` for tracks left out of the mix (click,
    /// timecode, references).
    pub stem: Option<usize>,
    /// The role the names or audio gave; `None` when a layout rule decided.
    pub role: Option<Role>,
    pub reason: Reason,
}

/// The placement names alone give: the layout's rules on the file name, the vocabulary
/// on the file name, then the vocabulary on the `folders` (innermost first). `None` when
/// no name says what the track is.
#[must_use]
pub fn place_by_name(layout: &Layout, file_stem: &str, folders: &[&str]) -> Option<Placement> {
    let words = names::words(file_stem);
    if let Some(m) = layout.rule_for(file_stem, &words) {
        return Some(Placement {
            stem: Some(m.stem),
            role: None,
            reason: Reason::Rule(m.rule),
        });
    }
    if let Some(m) = names::classify(&words) {
        return Some(Placement {
            stem: layout.stem_for(m.role),
            role: Some(m.role),
            reason: Reason::Name(m.words),
        });
    }
    for folder in folders {
        let words = names::words(folder);
        if let Some(m) = layout.rule_for(folder, &words) {
            return Some(Placement {
                stem: Some(m.stem),
                role: None,
                reason: Reason::Rule(m.rule),
            });
        }
        // A folder called "Mix" or "Bounces" does not make its files references.
        if let Some(m) = names::classify(&words).filter(|m| m.role != Role::Utility) {
            return Some(Placement {
                stem: layout.stem_for(m.role),
                role: Some(m.role),
                reason: Reason::Folder {
                    folder: (*folder).to_owned(),
                    words: m.words,
                },
            });
        }
    }
    None
}

/// One source of the session.
#[derive(Clone, Debug)]
pub struct Track {
    /// The track name: the file name without its number prefix, tempo and key.
    pub name: String,
    /// The file relative to the session's folder.
    pub file: PathBuf,
    pub info: SourceInfo,
    pub levels: scan::Levels,
    pub placement: Placement,
}

/// A file that could not be used, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// Relative to the scanned folder.
    pub file: PathBuf,
    pub why: String,
}

/// A value and where it came from, for the session's comments.
#[derive(Clone, Debug, PartialEq)]
pub struct Found<T> {
    pub value: T,
    pub from: String,
}

/// Everything the session will say.
#[derive(Clone, Debug)]
pub struct Plan {
    pub dir: PathBuf,
    pub layout: Layout,
    /// In layout stem order, then in the folder's natural order; left-out tracks last.
    pub tracks: Vec<Track>,
    pub skipped: Vec<Skipped>,
    pub sample_rate: Found<u32>,
    pub bpm: Option<Found<f64>>,
    pub key: Option<Found<String>>,
    /// For the user, in the order met: unreadable files, disagreements with the options.
    pub warnings: Vec<String>,
}

/// Scans `dir` and decides the session. `progress(done, total)` is called as files are
/// read. Unreadable files are skipped with a warning, never abort the scan.
///
/// # Errors
/// The folder cannot be listed, holds no audio, or none of it can be read.
pub fn plan(
    dir: &Path,
    opts: &Options,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Plan, InitError> {
    let files = scan::audio_files(dir)?;
    if files.is_empty() {
        return Err(InitError::NoAudio {
            path: dir.to_path_buf(),
        });
    }
    let session_dir = match opts.session_path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut warnings = Vec::new();
    let mut skipped = Vec::new();
    let mut tracks = Vec::new();
    let mut name_tempo = Vec::new();
    let mut name_keys = Vec::new();
    let mut tag_tempo = Vec::new();
    let mut tag_keys = Vec::new();
    let total = files.len();
    let mut pending_audio = Vec::new();
    for (i, rel) in files.iter().enumerate() {
        progress(i, total);
        let path = dir.join(rel);
        let skip = |why: String, warnings: &mut Vec<String>, skipped: &mut Vec<Skipped>| {
            warnings.push(format!("{}: skipped: {why}", path.display()));
            skipped.push(Skipped {
                file: rel.clone(),
                why,
            });
        };
        let Some(file) = relative_file(&path, &session_dir) else {
            skip(
                "the file name is not UTF-8; rename it".into(),
                &mut warnings,
                &mut skipped,
            );
            continue;
        };
        let read = stemkit_io::probe(&path).and_then(|info| {
            let levels = scan::levels(&info)?;
            Ok((info, levels))
        });
        let (info, levels) = match read {
            Ok(r) => r,
            Err(e) => {
                skip(
                    strip_path(&e.to_string(), &path),
                    &mut warnings,
                    &mut skipped,
                );
                continue;
            }
        };
        let stem_name = rel
            .file_stem()
            .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
        name_tempo.extend(tempo::bpm_in(&stem_name));
        name_keys.extend(tempo::key_in(&stem_name));
        let tags = tags::read(&path, &info);
        tag_tempo.extend(tags.bpm);
        tag_keys.extend(tags.key);
        let folders: Vec<String> = rel
            .parent()
            .map(|p| {
                p.components()
                    .rev()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        let folder_refs: Vec<&str> = folders.iter().map(String::as_str).collect();
        let placement = place_by_name(&opts.layout, &stem_name, &folder_refs);
        if placement.is_none() {
            pending_audio.push(tracks.len());
        }
        tracks.push((
            Track {
                name: track_name(&stem_name),
                file,
                info,
                levels,
                placement: Placement {
                    stem: None,
                    role: None,
                    reason: Reason::Audio(String::new()),
                },
            },
            placement,
        ));
    }
    if tracks.is_empty() {
        return Err(InitError::NoneReadable {
            path: dir.to_path_buf(),
            count: total,
            reasons: warnings.join("\n"),
        });
    }
    let audio_total = total + pending_audio.len();
    for (k, &i) in pending_audio.iter().enumerate() {
        progress(total + k, audio_total);
        let (track, placement) = &mut tracks[i];
        match scan::features(&track.info, &track.levels) {
            Ok(f) => {
                let (role, why) = classify::classify(&f);
                *placement = Some(Placement {
                    stem: opts.layout.stem_for(role),
                    role: Some(role),
                    reason: Reason::Audio(why),
                });
            }
            Err(e) => {
                let why = strip_path(&e.to_string(), &track.info.path);
                warnings.push(format!(
                    "{}: the audio could not be analysed ({why}); it goes to the fallback stem",
                    track.info.path.display()
                ));
                *placement = Some(Placement {
                    stem: Some(opts.layout.fallback),
                    role: None,
                    reason: Reason::Audio(format!("the audio could not be analysed: {why}")),
                });
            }
        }
    }
    progress(audio_total, audio_total);
    let mut tracks: Vec<Track> = tracks
        .into_iter()
        .filter_map(|(mut t, p)| {
            t.placement = p?;
            Some(t)
        })
        .collect();
    if tracks.iter().all(|t| t.placement.stem.is_none()) {
        return Err(InitError::NothingToMix {
            path: dir.to_path_buf(),
        });
    }
    // Layout order, then folder order; left-out tracks at the end.
    tracks.sort_by_key(|t| t.placement.stem.unwrap_or(usize::MAX));
    unique_names(&mut tracks);

    let rates: Vec<u32> = tracks
        .iter()
        .filter(|t| t.placement.stem.is_some())
        .map(|t| t.info.sample_rate)
        .collect();
    let sample_rate = most_common_rate(&rates);
    let bpm = decide(
        opts.bpm,
        "--bpm",
        &name_tempo,
        &tag_tempo,
        |b| format!("{b} BPM"),
        &mut warnings,
    );
    let key = decide(
        opts.key.clone(),
        "--key",
        &name_keys,
        &tag_keys,
        Clone::clone,
        &mut warnings,
    );
    Ok(Plan {
        dir: dir.to_path_buf(),
        layout: opts.layout.clone(),
        tracks,
        skipped,
        sample_rate,
        bpm,
        key,
        warnings,
    })
}

impl Plan {
    /// The session file: TOML with a comment for every choice.
    #[must_use]
    pub fn session_toml(&self) -> String {
        session::write(self)
    }

    /// The stems that get tracks, in layout order, with their track counts.
    #[must_use]
    pub fn stems(&self) -> Vec<(&str, usize)> {
        self.layout
            .stems
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let n = self
                    .tracks
                    .iter()
                    .filter(|t| t.placement.stem == Some(i))
                    .count();
                (n > 0).then_some((s.name.as_str(), n))
            })
            .collect()
    }
}

/// The explicit option, else the majority of the names, else of the metadata; a warning
/// when the option contradicts the files.
fn decide<T: PartialEq + Clone + std::fmt::Display>(
    option: Option<T>,
    flag: &str,
    from_names: &[T],
    from_tags: &[T],
    show: impl Fn(&T) -> String,
    warnings: &mut Vec<String>,
) -> Option<Found<T>> {
    let names = tempo::majority(from_names);
    let tags = tempo::majority(from_tags);
    let files = names
        .as_ref()
        .map(|(v, n)| (v.clone(), format!("from file names ({n} with {})", show(v))))
        .or_else(|| {
            tags.as_ref().map(|(v, n)| {
                (
                    v.clone(),
                    format!("from metadata ({n} files with {})", show(v)),
                )
            })
        });
    match (option, files) {
        (Some(v), Some((f, from))) if v != f => {
            warnings.push(format!(
                "{flag} {v} is used, not what the files say ({from})"
            ));
            Some(Found {
                value: v,
                from: format!("from {flag}; {from}"),
            })
        }
        (Some(v), _) => Some(Found {
            value: v,
            from: format!("from {flag}"),
        }),
        (None, Some((value, from))) => Some(Found { value, from }),
        (None, None) => None,
    }
}

/// The rate most sources share (the higher one on a tie), with the count.
fn most_common_rate(rates: &[u32]) -> Found<u32> {
    let mut best = (48_000, 0);
    for &r in rates {
        let n = rates.iter().filter(|&&x| x == r).count();
        if n > best.1 || (n == best.1 && r > best.0) {
            best = (r, n);
        }
    }
    let from = if best.1 == rates.len() {
        format!("the rate of every source ({})", rates.len())
    } else {
        format!(
            "the rate of {} of {} sources; the others are resampled",
            best.1,
            rates.len()
        )
    };
    Found {
        value: best.0,
        from,
    }
}

/// `path` relative to `base` when both resolve (`../audio/x.wav` when needed), else as
/// it is; `None` when it is not UTF-8 and so cannot be written into the session.
fn relative_file(path: &Path, base: &Path) -> Option<PathBuf> {
    path.to_str()?;
    let (Ok(p), Ok(b)) = (path.canonicalize(), base.canonicalize()) else {
        return Some(path.to_path_buf());
    };
    let pc: Vec<_> = p.components().collect();
    let bc: Vec<_> = b.components().collect();
    let common = pc.iter().zip(&bc).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return Some(p);
    }
    let mut rel = PathBuf::new();
    for _ in common..bc.len() {
        rel.push("..");
    }
    for c in &pc[common..] {
        rel.push(c);
    }
    rel.to_str().map(|_| rel.clone())
}

/// An I/O message without the path it starts with (the session lists the file already).
fn strip_path(message: &str, path: &Path) -> String {
    let prefix = format!("{}: ", path.display());
    message.strip_prefix(&prefix).unwrap_or(message).to_owned()
}

/// The file name as a track name: separators as spaces, without a leading track number
/// (`01_`, `3-`), tempo (`124bpm`) or key (`Am`).
#[must_use]
pub fn track_name(file_stem: &str) -> String {
    // Logic's take suffix `Kick#01` is a separator; the sharp of `F#m` is not.
    let chars: Vec<char> = file_stem.chars().collect();
    let spaced: String = chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let take = c == '#' && chars.get(i + 1).is_some_and(char::is_ascii_digit);
            if take { ' ' } else { c }
        })
        .collect();
    let parts: Vec<&str> = spaced
        .split([' ', '_', '-', '.'])
        .filter(|p| !p.is_empty())
        .collect();
    let is_number =
        |p: &str| p.chars().all(|c| c.is_ascii_digit()) && (p.len() <= 2 || p.starts_with('0'));
    let mut kept: Vec<&str> = Vec::with_capacity(parts.len());
    for (i, p) in parts.iter().enumerate() {
        let lower = p.to_ascii_lowercase();
        let tempo_word = lower == "bpm"
            || tempo::bpm_in(p).is_some()
            || (p.chars().all(|c| c.is_ascii_digit() || c == '.')
                && parts
                    .get(i + 1)
                    .is_some_and(|n| n.eq_ignore_ascii_case("bpm")));
        let next = parts.get(i + 1).map(|n| n.to_ascii_lowercase());
        let key_word = tempo::key_in(p).is_some()
            || next.as_deref().is_some_and(|n| {
                matches!(n, "minor" | "major" | "min" | "maj")
                    && tempo::key_in(&format!("{p} {n}")).is_some()
            });
        let mode_word = matches!(lower.as_str(), "minor" | "major")
            && i > 0
            && tempo::key_in(&format!("{} {p}", parts[i - 1])).is_some();
        let leading_number = kept.is_empty() && i + 1 < parts.len() && is_number(p);
        if !(tempo_word || key_word || mode_word || leading_number) {
            kept.push(p);
        }
    }
    if kept.is_empty() {
        file_stem.to_owned()
    } else {
        kept.join(" ")
    }
}

/// Makes track names unique: a second "Kick" becomes "Kick 2".
fn unique_names(tracks: &mut [Track]) {
    let mut seen: Vec<String> = Vec::with_capacity(tracks.len());
    for t in tracks.iter_mut() {
        let mut name = t.name.clone();
        let mut n = 2;
        while seen.contains(&name) {
            name = format!("{} {n}", t.name);
            n += 1;
        }
        t.name.clone_from(&name);
        seen.push(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn track_names_lose_numbers_tempo_and_key() {
        assert_eq!(track_name("01_Kick_In"), "Kick In");
        assert_eq!(track_name("3-Hats"), "Hats");
        assert_eq!(track_name("synth_lead_124bpm_Am"), "synth lead");
        assert_eq!(track_name("Loop 128 BPM F#m"), "Loop");
        assert_eq!(track_name("Pad - C minor"), "Pad");
        assert_eq!(track_name("808 Kick"), "808 Kick");
        assert_eq!(track_name("Tom 1"), "Tom 1");
        assert_eq!(track_name("Kick#01"), "Kick 01");
        assert_eq!(track_name("Audio 07"), "Audio 07");
        assert_eq!(track_name("05"), "05");
        assert_eq!(track_name("Gtr A"), "Gtr A");
    }

    #[test]
    fn the_most_common_rate_wins_and_ties_go_up() {
        assert_eq!(most_common_rate(&[44_100, 48_000, 48_000]).value, 48_000);
        assert_eq!(most_common_rate(&[44_100, 96_000]).value, 96_000);
        assert!(
            most_common_rate(&[44_100, 48_000, 48_000])
                .from
                .contains("2 of 3")
        );
    }

    #[test]
    fn options_win_over_names_with_a_warning() {
        let mut w = Vec::new();
        let f = decide(
            Some(128.0),
            "--bpm",
            &[124.0, 124.0],
            &[],
            |b| format!("{b} BPM"),
            &mut w,
        )
        .unwrap();
        assert_eq!(f.value, 128.0);
        assert!(w[0].contains("file names (2 with 124 BPM)"), "{w:?}");
        let f = decide(None, "--bpm", &[], &[100.0], |b| format!("{b} BPM"), &mut w).unwrap();
        assert_eq!(f.value, 100.0);
        assert!(f.from.contains("metadata"));
        assert!(decide::<f64>(None, "--bpm", &[], &[], |b| b.to_string(), &mut w).is_none());
    }
}
