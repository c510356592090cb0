//! `import`: a DAWproject archive into a session folder.
//!
//! Everything that can be checked without writing is checked first (the archive, both
//! XML files, the routing, every audio reference); then the audio is copied under
//! temporary names and renamed into `audio/`, probed, and the session written last and
//! loaded back through the session parser. A failure at any step removes what this import
//! wrote, so the folder holds either a complete session or what it held before.

use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::{Path, PathBuf};

use crate::archive::{Archive, Limits};
use crate::mapping::{self, Naming};
use crate::model::Project;
use crate::plan::{Location, Plan};
use crate::xml::{self, Doc};
use crate::{ErrorKind, ImportError, timeline};

/// How an import treats its output folder and its input.
#[derive(Clone, Copy, Debug, Default)]
pub struct ImportOptions {
    pub limits: Limits,
    /// Replace an existing `session.toml` (and same-named audio) in the output folder.
    pub replace: bool,
}

/// What an import wrote.
#[derive(Clone, Debug)]
pub struct Imported {
    pub session: PathBuf,
    /// The audio files copied under `audio/`.
    pub audio: Vec<PathBuf>,
    pub tracks: usize,
    pub stems: usize,
    pub returns: usize,
    /// What will not sound as it did in the DAW (also written into the session).
    pub warnings: Vec<String>,
}

/// Reads and maps the archive in `bytes` without writing anything: what `import` would
/// do up to the disk. External audio references are not looked up.
///
/// # Errors
/// As [`import`], for everything inside the archive.
pub fn plan_archive(bytes: &[u8], limits: Limits) -> Result<Plan, ImportError> {
    let label = Path::new("<archive>");
    let mut archive =
        Archive::open(std::io::Cursor::new(bytes), limits).map_err(|k| k.at(label))?;
    plan(&mut archive, "Session", "an archive").map_err(|k| k.at(label))
}

fn plan<R: Read + Seek>(
    archive: &mut Archive<R>,
    fallback_name: &str,
    origin: &str,
) -> Result<Plan, ErrorKind> {
    let text = archive
        .read_text("project.xml")?
        .ok_or(ErrorKind::NoProject)?;
    let title = match archive.read_text("metadata.xml")? {
        Some(meta) => {
            let doc = Doc {
                entry: "metadata.xml",
            };
            let root = xml::parse(&meta, doc)?;
            if root.name != "MetaData" {
                return Err(doc.error(&root, "the root element must be <MetaData>"));
            }
            root.child("Title")
                .map(|t| t.text.trim().to_owned())
                .filter(|t| !t.is_empty())
        }
        None => None,
    };
    let doc = Doc {
        entry: "project.xml",
    };
    let root = xml::parse(&text, doc)?;
    let project = Project::read(&root, doc)?;
    let (placements, warnings) = timeline::place(&project, doc)?;
    let naming = Naming {
        name: title.unwrap_or_else(|| fallback_name.to_owned()),
        origin: origin.to_owned(),
    };
    mapping::build(&project, &placements, warnings, doc, naming, &|e| {
        archive.contains(e)
    })
}

/// Removes what a failed import wrote.
struct Written {
    files: Vec<PathBuf>,
    dirs: Vec<PathBuf>,
    keep: bool,
}

impl Drop for Written {
    fn drop(&mut self) {
        if self.keep {
            return;
        }
        for f in &self.files {
            let _ = std::fs::remove_file(f);
        }
        // Innermost first; only folders this import created, and only when empty.
        for d in self.dirs.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
    }
}

fn create_dir(dir: &Path, written: &mut Written) -> Result<(), ErrorKind> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_dir(parent, written)?;
    }
    std::fs::create_dir(dir).map_err(|e| ErrorKind::Output {
        path: dir.to_path_buf(),
        message: format!("cannot create the folder: {e}"),
    })?;
    written.dirs.push(dir.to_path_buf());
    Ok(())
}

/// Imports the DAWproject at `project` into `out_dir`: `session.toml` and `audio/`.
///
/// # Errors
/// [`ImportError`] naming the archive (or output path) and the problem: not a ZIP, no
/// `project.xml`, malformed or off-schema XML (with the line), unsafe entry names, sizes
/// past [`Limits`], missing or undecodable audio, projects stemkit cannot render (tempo
/// changes, stretched clips), an existing session without `replace`. Nothing this call
/// wrote is left behind.
pub fn import(
    project: &Path,
    out_dir: &Path,
    opts: &ImportOptions,
) -> Result<Imported, ImportError> {
    let file = File::open(project).map_err(|e| ErrorKind::Read(e).at(project))?;
    let mut archive =
        Archive::open(BufReader::new(file), opts.limits).map_err(|k| k.at(project))?;
    let stem = project.file_stem().map_or_else(
        || "Session".to_owned(),
        |s| s.to_string_lossy().into_owned(),
    );
    let origin = project
        .file_name()
        .map_or_else(|| stem.clone(), |s| s.to_string_lossy().into_owned());
    let mut plan = plan(&mut archive, &stem, &origin).map_err(|k| k.at(project))?;

    let session_path = out_dir.join("session.toml");
    if session_path.exists() && !opts.replace {
        return Err(ErrorKind::Output {
            path: session_path,
            message: "exists already; import into another folder, or replace it (`stemkit import --force`)"
                .to_owned(),
        }
        .at(project));
    }
    let mut written = Written {
        files: Vec::new(),
        dirs: Vec::new(),
        keep: false,
    };
    let audio = bring_audio(&mut archive, &mut plan, project, out_dir, &mut written)
        .map_err(|k| k.at(project))?;

    let text = plan.session_text();
    stemkit_io::AtomicFile::write(&session_path, text.as_bytes())
        .map_err(|e| ErrorKind::Write(e).at(project))?;
    written.files.push(session_path.clone());
    stemkit_session::load(&session_path).map_err(|e| ErrorKind::Session(e).at(project))?;
    written.keep = true;
    Ok(Imported {
        session: session_path,
        audio,
        tracks: plan.tracks.len(),
        stems: plan.stems.len(),
        returns: plan.returns.len(),
        warnings: plan.warnings,
    })
}

/// Copies every source into `out_dir/audio/`, probes it, and sets the session rate from
/// what the files are (not what the XML says they are).
fn bring_audio<R: Read + Seek>(
    archive: &mut Archive<R>,
    plan: &mut Plan,
    project: &Path,
    out_dir: &Path,
    written: &mut Written,
) -> Result<Vec<PathBuf>, ErrorKind> {
    create_dir(&out_dir.join("audio"), written)?;
    let project_dir = project.parent().unwrap_or(Path::new("."));
    let mut paths = Vec::with_capacity(plan.sources.len());
    for source in &mut plan.sources {
        let dest = out_dir.join(&source.file);
        let mut out = stemkit_io::AtomicFile::create(&dest).map_err(ErrorKind::Write)?;
        let reference = match &source.location {
            Location::Entry(name) | Location::External(name) => name.clone(),
        };
        match &source.location {
            Location::Entry(name) => {
                archive.extract(name, &mut out)?;
            }
            Location::External(reference) => {
                let path = project_dir.join(reference);
                let missing = |problem| ErrorKind::MissingAudio {
                    context: "an external reference".to_owned(),
                    reference: reference.clone(),
                    problem,
                };
                let mut f =
                    File::open(&path).map_err(|_| missing("not found beside the project"))?;
                std::io::copy(&mut f, &mut out).map_err(|e| ErrorKind::Output {
                    path: dest.clone(),
                    message: e.to_string(),
                })?;
            }
        }
        out.commit().map_err(ErrorKind::Write)?;
        written.files.push(dest.clone());
        let info =
            stemkit_io::probe(&dest).map_err(|source| ErrorKind::Audio { reference, source })?;
        source.sample_rate = Some(info.sample_rate);
        paths.push(dest);
    }
    plan.sample_rate = mapping::common_rate(&plan.sources);
    if !(8_000..=384_000).contains(&plan.sample_rate) {
        return Err(ErrorKind::Unsupported(format!(
            "the audio is at {} Hz; stemkit sessions run at 8000 to 384000 Hz",
            plan.sample_rate
        )));
    }
    Ok(paths)
}
