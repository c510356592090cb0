//! Printed stems handed off as a DAWproject: one audio track per file, every clip at bar 1
//! playing the whole file, the tempo and time signature set, each track routed at unity
//! and centre to a master at unity, so a DAW that opens it plays the stems exactly as
//! printed and aligned. The XML validates against the format's `Project.xsd` and
//! `MetaData.xsd` (a test checks it with xmllint).
//!
//! The stems are stored in the archive uncompressed (audio does not deflate usefully and
//! DAWs read stored entries fastest), or referenced beside it as external files. The
//! archive is written to a hidden temporary in the destination folder and renamed into
//! place when complete.

use std::fmt::Write as _;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use quick_xml::escape::escape;
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

use crate::ExportError;
use crate::names::{self, Unique};

/// One printed file to hand off as a track.
#[derive(Clone, Debug)]
pub struct ExportTrack {
    /// The track name (the stem or return name).
    pub name: String,
    pub path: PathBuf,
    pub channels: usize,
    pub frames: u64,
}

/// What to write into the DAWproject.
#[derive(Clone, Debug)]
pub struct ExportSpec {
    /// The project title (metadata) and its name in the DAW.
    pub name: String,
    pub bpm: Option<f64>,
    /// Numerator and denominator; 4/4 when `None`.
    pub time_signature: Option<(u32, u32)>,
    pub sample_rate: u32,
    pub tracks: Vec<ExportTrack>,
    /// Store the audio inside the archive (else reference the files beside it).
    pub embed: bool,
}

/// Sequential `xs:ID` values.
struct Ids(usize);

impl Ids {
    fn next(&mut self) -> String {
        self.0 += 1;
        format!("id{}", self.0)
    }
}

fn attr(s: &str) -> String {
    escape(s).into_owned()
}

/// `project.xml` for `spec`, with `file_paths[i]` as track `i`'s `File@path`.
#[must_use]
pub fn project_xml(spec: &ExportSpec, file_paths: &[String], external: bool) -> String {
    let mut ids = Ids(0);
    let (num, den) = spec.time_signature.unwrap_or((4, 4));
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n");
    x.push_str("<Project version=\"1.0\">\n");
    let _ = writeln!(
        x,
        "  <Application name=\"stemkit\" version=\"{}\"/>",
        env!("CARGO_PKG_VERSION")
    );
    x.push_str("  <Transport>\n");
    if let Some(bpm) = spec.bpm {
        let _ = writeln!(
            x,
            "    <Tempo id=\"{}\" name=\"Tempo\" unit=\"bpm\" value=\"{bpm}\"/>",
            ids.next()
        );
    }
    let _ = writeln!(
        x,
        "    <TimeSignature id=\"{}\" name=\"Time Signature\" numerator=\"{num}\" denominator=\"{den}\"/>",
        ids.next()
    );
    x.push_str("  </Transport>\n  <Structure>\n");

    let master_track = ids.next();
    let master = ids.next();
    let mut track_ids = Vec::with_capacity(spec.tracks.len());
    for t in &spec.tracks {
        let (track, channel) = (ids.next(), ids.next());
        let _ = writeln!(
            x,
            "    <Track id=\"{track}\" name=\"{}\" contentType=\"audio\" loaded=\"true\">",
            attr(&t.name)
        );
        let _ = writeln!(
            x,
            "      <Channel id=\"{channel}\" name=\"{}\" role=\"regular\" audioChannels=\"{}\" destination=\"{master}\" solo=\"false\">",
            attr(&t.name),
            t.channels
        );
        let _ = writeln!(
            x,
            "        <Mute id=\"{}\" name=\"Mute\" value=\"false\"/>",
            ids.next()
        );
        let _ = writeln!(
            x,
            "        <Pan id=\"{}\" name=\"Pan\" unit=\"normalized\" value=\"0.5\" min=\"0\" max=\"1\"/>",
            ids.next()
        );
        let _ = writeln!(
            x,
            "        <Volume id=\"{}\" name=\"Volume\" unit=\"linear\" value=\"1\" min=\"0\" max=\"2\"/>",
            ids.next()
        );
        x.push_str("      </Channel>\n    </Track>\n");
        track_ids.push(track);
    }
    let _ = writeln!(
        x,
        "    <Track id=\"{master_track}\" name=\"Master\" contentType=\"audio\" loaded=\"true\">"
    );
    let _ = writeln!(
        x,
        "      <Channel id=\"{master}\" name=\"Master\" role=\"master\" audioChannels=\"2\" solo=\"false\">"
    );
    let _ = writeln!(
        x,
        "        <Volume id=\"{}\" name=\"Volume\" unit=\"linear\" value=\"1\" min=\"0\" max=\"2\"/>",
        ids.next()
    );
    x.push_str("      </Channel>\n    </Track>\n  </Structure>\n");

    let unit = if spec.bpm.is_some() {
        "beats"
    } else {
        "seconds"
    };
    let _ = writeln!(x, "  <Arrangement id=\"{}\">", ids.next());
    let _ = writeln!(x, "    <Lanes id=\"{}\" timeUnit=\"{unit}\">", ids.next());
    let rate = f64::from(spec.sample_rate.max(1));
    for ((t, track), path) in spec.tracks.iter().zip(&track_ids).zip(file_paths) {
        let seconds = t.frames as f64 / rate;
        let duration = spec.bpm.map_or(seconds, |bpm| seconds * bpm / 60.0);
        let _ = writeln!(x, "      <Lanes id=\"{}\" track=\"{track}\">", ids.next());
        let _ = writeln!(x, "        <Clips id=\"{}\">", ids.next());
        let _ = writeln!(
            x,
            "          <Clip name=\"{}\" time=\"0\" duration=\"{duration}\" contentTimeUnit=\"seconds\" playStart=\"0\">",
            attr(&t.name)
        );
        let _ = writeln!(
            x,
            "            <Audio id=\"{}\" channels=\"{}\" sampleRate=\"{}\" duration=\"{seconds}\">",
            ids.next(),
            t.channels,
            spec.sample_rate
        );
        let ext = if external { " external=\"true\"" } else { "" };
        let _ = writeln!(x, "              <File path=\"{}\"{ext}/>", attr(path));
        x.push_str("            </Audio>\n          </Clip>\n        </Clips>\n      </Lanes>\n");
    }
    x.push_str("    </Lanes>\n  </Arrangement>\n</Project>\n");
    x
}

/// `metadata.xml` for `spec`.
#[must_use]
pub fn metadata_xml(spec: &ExportSpec) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<MetaData>\n  <Title>{}</Title>\n  <Comment>Stems printed by stemkit {}</Comment>\n</MetaData>\n",
        escape(spec.name.as_str()),
        env!("CARGO_PKG_VERSION")
    )
}

/// Removes the temporary unless the archive made it into place.
struct Partial {
    path: PathBuf,
    done: bool,
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The path to write into `File@path` for a file referenced from beside `dest`: its
/// name when it sits in the same folder, else its absolute path.
fn reference(file: &Path, dest: &Path) -> String {
    let dir = |p: &Path| {
        p.parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    };
    let same = std::fs::canonicalize(dir(file)).ok() == std::fs::canonicalize(dir(dest)).ok();
    match file.file_name() {
        Some(name) if same => name.to_string_lossy().into_owned(),
        _ => std::fs::canonicalize(file)
            .unwrap_or_else(|_| file.to_path_buf())
            .to_string_lossy()
            .into_owned(),
    }
}

/// Writes the DAWproject for `spec` to `dest`.
///
/// # Errors
/// [`ExportError`] naming the file that could not be read or written; no partial archive
/// is left at `dest`.
pub fn export(spec: &ExportSpec, dest: &Path) -> Result<PathBuf, ExportError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ExportError::Io { path, source }
    };
    let zerr = |e: zip::result::ZipError| ExportError::Zip {
        path: dest.to_path_buf(),
        detail: e.to_string(),
    };
    let mut entries = Unique::default();
    let paths: Vec<String> = spec
        .tracks
        .iter()
        .map(|t| {
            if spec.embed {
                let file = t
                    .path
                    .file_name()
                    .map_or_else(|| t.name.clone(), |f| f.to_string_lossy().into_owned());
                format!("audio/{}", entries.take(&names::audio_file(&file), true))
            } else {
                reference(&t.path, dest)
            }
        })
        .collect();
    let name = dest.file_name().ok_or_else(|| ExportError::Io {
        path: dest.to_path_buf(),
        source: std::io::Error::other("the destination has no file name"),
    })?;
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(".partial");
    let mut partial = Partial {
        path: dest.with_file_name(temp_name),
        done: false,
    };
    let file = File::create(&partial.path).map_err(io(dest))?;
    let mut zip = zip::ZipWriter::new(file);
    let deflated = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .unix_permissions(0o644);
    zip.start_file("project.xml", deflated).map_err(zerr)?;
    zip.write_all(project_xml(spec, &paths, !spec.embed).as_bytes())
        .map_err(io(dest))?;
    zip.start_file("metadata.xml", deflated).map_err(zerr)?;
    zip.write_all(metadata_xml(spec).as_bytes())
        .map_err(io(dest))?;
    if spec.embed {
        for (t, entry) in spec.tracks.iter().zip(&paths) {
            let mut src = File::open(&t.path).map_err(io(&t.path))?;
            let size = src.metadata().map_err(io(&t.path))?.len();
            let stored = SimpleFileOptions::default()
                .compression_method(CompressionMethod::Stored)
                .large_file(size >= u64::from(u32::MAX))
                .unix_permissions(0o644);
            zip.start_file(entry.as_str(), stored).map_err(zerr)?;
            std::io::copy(&mut src, &mut zip).map_err(io(&t.path))?;
        }
    }
    let file = zip.finish().map_err(zerr)?;
    file.sync_all().map_err(io(dest))?;
    drop(file);
    std::fs::rename(&partial.path, dest).map_err(io(dest))?;
    partial.done = true;
    Ok(dest.to_path_buf())
}
