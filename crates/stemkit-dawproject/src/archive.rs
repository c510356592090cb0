//! The ZIP container, read defensively.
//!
//! A DAWproject comes from someone else's machine, so nothing in it is trusted: every entry
//! name is checked when the archive is opened (an archive with one unsafe name is refused
//! whole, referenced or not), the sizes the headers declare are added up against a limit
//! before anything is read, and every read is capped again by counting the bytes that come
//! out, so a header that lies about its size cannot expand past the limit either. Output
//! file names never come from entry names directly (see `plan`), so nothing can be written
//! outside the output folder even if a check here were missed.

use std::collections::HashMap;
use std::io::{Read, Seek, Write};

use zip::ZipArchive;

use crate::ErrorKind;

/// More entries than any real project holds; refusing them bounds the work of opening.
const MAX_ENTRIES: usize = 100_000;

/// Size limits of an import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes the whole archive may expand to (the audio brought along plus the XML).
    pub max_expanded: u64,
    /// Bytes `project.xml` or `metadata.xml` may have.
    pub max_xml: u64,
}

impl Default for Limits {
    /// 16 GiB of audio (a long multitrack at 96 kHz), 64 MiB of XML.
    fn default() -> Self {
        Self {
            max_expanded: 16 << 30,
            max_xml: 64 << 20,
        }
    }
}

pub(crate) struct Archive<R: Read + Seek> {
    zip: ZipArchive<R>,
    by_name: HashMap<String, usize>,
    limits: Limits,
    /// Bytes still allowed to come out of the archive.
    budget: u64,
}

/// Why an entry name could lead a naive extractor out of its folder, if it could.
pub(crate) fn unsafe_name(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("the name is empty")
    } else if name.starts_with('/') {
        Some("it is an absolute path")
    } else if name.contains('\\') {
        Some("it contains a backslash (ZIP names use '/')")
    } else if name.as_bytes().get(1) == Some(&b':') {
        Some("it starts with a drive letter")
    } else if name.chars().any(char::is_control) {
        Some("it contains a control character")
    } else if name.split('/').any(|c| c == "..") {
        Some("it climbs out of the archive with '..'")
    } else {
        None
    }
}

/// An entry name as a project file refers to it: `./audio/a.wav` is `audio/a.wav`.
pub(crate) fn normalize(reference: &str) -> String {
    let mut s = reference;
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    s.to_owned()
}

impl<R: Read + Seek> Archive<R> {
    pub(crate) fn open(reader: R, limits: Limits) -> Result<Self, ErrorKind> {
        let zip = ZipArchive::new(reader).map_err(|e| ErrorKind::NotZip(e.to_string()))?;
        if zip.len() > MAX_ENTRIES {
            return Err(ErrorKind::TooLarge {
                what: "the archive's entry count".to_owned(),
                size: zip.len() as u64,
                limit: MAX_ENTRIES as u64,
            });
        }
        if zip.has_duplicate_names() {
            return Err(ErrorKind::NotZip(
                "two entries have the same name, so which one is meant is ambiguous".to_owned(),
            ));
        }
        let mut by_name = HashMap::with_capacity(zip.len());
        let mut declared: u64 = 0;
        for i in 0..zip.len() {
            let entry = zip
                .by_index_data(i)
                .map_err(|e| ErrorKind::NotZip(e.to_string()))?;
            let name = entry
                .name()
                .map_err(|_| ErrorKind::UnsafeEntry {
                    entry: String::from_utf8_lossy(entry.name_raw()).into_owned(),
                    why: "the name is not valid UTF-8",
                })?
                .into_owned();
            if let Some(why) = unsafe_name(&name) {
                return Err(ErrorKind::UnsafeEntry { entry: name, why });
            }
            if entry.is_symlink() {
                return Err(ErrorKind::UnsafeEntry {
                    entry: name,
                    why: "it is a symbolic link",
                });
            }
            if entry.encrypted() {
                return Err(ErrorKind::Unsupported(format!(
                    "archive entry \"{name}\" is encrypted"
                )));
            }
            declared = declared.saturating_add(entry.size());
            by_name.insert(name, i);
        }
        if declared > limits.max_expanded {
            return Err(ErrorKind::TooLarge {
                what: "the archive (by its headers)".to_owned(),
                size: declared,
                limit: limits.max_expanded,
            });
        }
        Ok(Self {
            zip,
            by_name,
            budget: limits.max_expanded,
            limits,
        })
    }

    pub(crate) fn contains(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    /// The UTF-8 text of entry `name`, `None` when there is no such entry.
    pub(crate) fn read_text(&mut self, name: &str) -> Result<Option<String>, ErrorKind> {
        if !self.contains(name) {
            return Ok(None);
        }
        let limit = self.limits.max_xml.min(self.budget);
        let mut bytes = Vec::new();
        self.copy(name, &mut bytes, limit)?;
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|e| ErrorKind::Xml {
                entry: name.to_owned(),
                line: 1,
                message: format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
            })
    }

    /// Streams entry `name` into `out`, within what is left of the expansion budget.
    pub(crate) fn extract(&mut self, name: &str, out: &mut dyn Write) -> Result<u64, ErrorKind> {
        let limit = self.budget;
        self.copy(name, out, limit)
    }

    fn copy(&mut self, name: &str, out: &mut dyn Write, limit: u64) -> Result<u64, ErrorKind> {
        let corrupt = |detail: String| ErrorKind::Corrupt {
            entry: name.to_owned(),
            detail,
        };
        let index = *self
            .by_name
            .get(name)
            .ok_or_else(|| corrupt("no such entry".into()))?;
        let entry = self
            .zip
            .by_index(index)
            .map_err(|e| corrupt(e.to_string()))?;
        let declared = entry.size();
        if declared > limit {
            return Err(ErrorKind::TooLarge {
                what: format!("archive entry \"{name}\""),
                size: declared,
                limit,
            });
        }
        // One byte past the limit tells a lying header from an exact fit.
        let mut capped = entry.take(limit.saturating_add(1));
        let mut buf = vec![0_u8; 1 << 16];
        let mut total: u64 = 0;
        loop {
            let n = capped.read(&mut buf).map_err(|e| corrupt(e.to_string()))?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > limit {
                return Err(ErrorKind::TooLarge {
                    what: format!("archive entry \"{name}\" (its data, not its header)"),
                    size: total,
                    limit,
                });
            }
            out.write_all(&buf[..n])
                .map_err(|e| corrupt(format!("writing it out failed: {e}")))?;
        }
        self.budget -= total;
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_leave_the_folder_are_refused() {
        for bad in [
            "../x.wav",
            "audio/../../x.wav",
            "/etc/passwd",
            "C:/x.wav",
            "audio\\..\\x.wav",
            "a\u{0}b",
            "",
        ] {
            assert!(unsafe_name(bad).is_some(), "{bad:?}");
        }
        for good in [
            "project.xml",
            "audio/kick in.wav",
            "audio/..hidden.wav",
            "a..b/c",
        ] {
            assert_eq!(unsafe_name(good), None, "{good:?}");
        }
    }

    #[test]
    fn references_drop_a_leading_dot_folder() {
        assert_eq!(normalize("./audio/a.wav"), "audio/a.wav");
        assert_eq!(normalize("audio/a.wav"), "audio/a.wav");
    }
}
