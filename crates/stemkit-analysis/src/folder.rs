//! Which files of a folder are checked, and what each one is.
//!
//! Audio is recognised by extension (`.wav .wave .bwf .flac .aif .aiff .aifc .mp3 .ogg
//! .oga`); other files (`report.json`, notes, a previous HTML report) are listed as
//! ignored. Subfolders are not entered. Roles, in order of precedence:
//! 1. `--mix FILE` names the mix (it may live outside the folder);
//! 2. `report.json` of `stemkit render`, when the folder holds one, gives each file's
//!    role (`stem`, `return`, `mix`, `master`) and variant;
//! 3. otherwise a file whose name starts with the spec's `mix_prefix` (default `Mix`,
//!    any case, followed by the end of the name or a non-letter) is the mix, one starting
//!    with `Master` is the mastered mix, and everything else is a stem.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use stemkit_io::SourceInfo;

use crate::AnalysisError;

const AUDIO_EXTENSIONS: [&str; 10] = [
    "wav", "wave", "bwf", "flac", "aif", "aiff", "aifc", "mp3", "ogg", "oga",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Stem,
    Return,
    Mix,
    Master,
}

/// One audio file of the set.
#[derive(Clone, Debug)]
pub struct Member {
    pub path: PathBuf,
    /// File name as shown in messages.
    pub name: String,
    pub role: Role,
    /// `dry` or `wet` when `report.json` says.
    pub variant: Option<String>,
    /// The header, or why it could not be read.
    pub info: Result<SourceInfo, String>,
}

impl Member {
    /// A stem or a return: what must sum to the mix.
    #[must_use]
    pub fn sums(&self) -> bool {
        matches!(self.role, Role::Stem | Role::Return) && self.variant.as_deref() != Some("wet")
    }
}

/// The folder's audio files with their roles, sorted by name; plus the names of the
/// files that are not audio.
///
/// # Errors
/// [`AnalysisError::Folder`] when the folder cannot be listed or holds no audio file.
pub fn discover(
    dir: &Path,
    mix: Option<&Path>,
    mix_prefix: &str,
) -> Result<(Vec<Member>, Vec<String>), AnalysisError> {
    let folder_err = |detail: String| AnalysisError::Folder {
        path: dir.into(),
        detail,
    };
    let entries =
        std::fs::read_dir(dir).map_err(|e| folder_err(format!("cannot list the folder: {e}")))?;
    let mut audio = Vec::new();
    let mut ignored = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| folder_err(format!("cannot list the folder: {e}")))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry
            .file_type()
            .is_ok_and(|t| t.is_file() || t.is_symlink());
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        if is_file
            && !name.starts_with('.')
            && ext.is_some_and(|e| AUDIO_EXTENSIONS.contains(&e.as_str()))
        {
            audio.push((name, path));
        } else {
            ignored.push(name);
        }
    }
    audio.sort();
    ignored.sort();
    if audio.is_empty() && mix.is_none() {
        return Err(folder_err(format!(
            "holds no audio files (looked for .{})",
            AUDIO_EXTENSIONS.join(" .")
        )));
    }
    let report_roles = read_report_roles(dir);
    let mix_canon = mix.map(|m| m.canonicalize().unwrap_or_else(|_| m.to_path_buf()));
    let mut members: Vec<Member> = audio
        .into_iter()
        .map(|(name, path)| {
            let canon = path.canonicalize().unwrap_or_else(|_| path.clone());
            let (role, variant) = if mix_canon.as_ref() == Some(&canon) {
                (Role::Mix, None)
            } else if let Some((role, variant)) = report_roles.get(&name) {
                // With --mix given, a mix listed in report.json is just another file to check.
                let role = if mix.is_some() && *role == Role::Mix {
                    Role::Master
                } else {
                    *role
                };
                (role, variant.clone())
            } else {
                (
                    role_by_name(&name, mix_prefix, mix.is_none() && report_roles.is_empty()),
                    None,
                )
            };
            Member {
                info: Err(String::new()),
                path,
                name,
                role,
                variant,
            }
        })
        .collect();
    if let Some(m) = mix.filter(|_| !members.iter().any(|x| x.role == Role::Mix)) {
        let name = m.file_name().map_or_else(
            || m.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        members.push(Member {
            info: Err(String::new()),
            path: m.into(),
            name,
            role: Role::Mix,
            variant: None,
        });
    }
    // More than one file named like a mix: the first is the mix, the rest are checked as files.
    let mut seen_mix = false;
    for m in &mut members {
        if m.role == Role::Mix {
            if seen_mix {
                m.role = Role::Master;
            }
            seen_mix = true;
        }
    }
    for m in &mut members {
        m.info = stemkit_io::probe(&m.path).map_err(|e| e.to_string());
    }
    Ok((members, ignored))
}

fn role_by_name(name: &str, mix_prefix: &str, may_be_mix: bool) -> Role {
    let starts = |prefix: &str| {
        name.len() >= prefix.len()
            && name.is_char_boundary(prefix.len())
            && name[..prefix.len()].eq_ignore_ascii_case(prefix)
            && !name[prefix.len()..].starts_with(|c: char| c.is_ascii_alphabetic())
    };
    if starts(mix_prefix) {
        // With the mix named otherwise, a file named like one is checked but not summed.
        if may_be_mix { Role::Mix } else { Role::Master }
    } else if starts("Master") {
        Role::Master
    } else {
        Role::Stem
    }
}

/// Roles by file name from `report.json`; empty when there is none or it cannot be read
/// (the roles then come from the names).
fn read_report_roles(dir: &Path) -> HashMap<String, (Role, Option<String>)> {
    let Ok(text) = std::fs::read_to_string(dir.join("report.json")) else {
        return HashMap::new();
    };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
        return HashMap::new();
    };
    let mut out = HashMap::new();
    for f in value["files"].as_array().into_iter().flatten() {
        let name = f["path"]
            .as_str()
            .and_then(|p| Path::new(p).file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .or_else(|| f["name"].as_str().map(str::to_owned));
        let role = match f["role"].as_str() {
            Some("stem") => Role::Stem,
            Some("return") => Role::Return,
            Some("mix") => Role::Mix,
            Some("master") => Role::Master,
            _ => continue,
        };
        if let Some(name) = name {
            out.insert(name, (role, f["variant"].as_str().map(str::to_owned)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_and_master_by_name() {
        assert_eq!(role_by_name("Mix_124_Am.wav", "Mix", true), Role::Mix);
        assert_eq!(role_by_name("mix.wav", "Mix", true), Role::Mix);
        assert_eq!(role_by_name("Mixed Drums.wav", "Mix", true), Role::Stem);
        assert_eq!(role_by_name("Mix_124_Am.wav", "Mix", false), Role::Master);
        assert_eq!(role_by_name("MASTER-final.wav", "Mix", true), Role::Master);
        assert_eq!(role_by_name("Bass.wav", "Mix", true), Role::Stem);
    }
}
