//! Output that appears whole or not at all.
//!
//! Every file stemkit writes goes first to `<dir>/.<name>.partial` beside its final path
//! (same folder, so the final rename never crosses a file system), is flushed and
//! fsynced, and only then renamed over the final name; the folder is fsynced after the
//! rename so the new name survives a power cut. An interrupted or failed render leaves
//! nothing under a final name, and the drop of an uncommitted file removes its temporary.
//!
//! Main or worker thread only: these calls block on the disk.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::IoError;

/// The temporary beside `final_path`: `<dir>/.<name>.partial`.
pub(crate) fn temp_path_for(final_path: &Path) -> Result<PathBuf, IoError> {
    let name = final_path
        .file_name()
        .ok_or_else(|| IoError::invalid(final_path, "output path has no file name"))?;
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(".partial");
    Ok(final_path.with_file_name(temp_name))
}

/// Creates (or truncates) the temporary for `final_path`; errors name the final path.
pub(crate) fn create_temp(final_path: &Path) -> Result<(File, PathBuf), IoError> {
    let temp = temp_path_for(final_path)?;
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&temp)
        .map_err(|e| IoError::write(final_path, e))?;
    Ok((file, temp))
}

/// A complete, synced file still under its temporary name.
///
/// [`PendingFile::commit`] renames it into place; dropping it uncommitted deletes it.
/// Holding back the commit lets a render finish every file of a set (and check them)
/// before any of them appears. Main or worker thread (the commit renames and fsyncs).
#[derive(Debug)]
pub struct PendingFile {
    temp: PathBuf,
    final_path: PathBuf,
    committed: bool,
    /// Whether the content is known to be on disk; [`PendingFile::commit`] syncs first
    /// when it is not. Atomic so another thread can sync while the file is being read.
    synced: AtomicBool,
}

impl PendingFile {
    pub(crate) fn new(temp: PathBuf, final_path: PathBuf) -> Self {
        Self {
            temp,
            final_path,
            committed: false,
            synced: AtomicBool::new(false),
        }
    }

    pub(crate) fn synced(self) -> Self {
        self.synced.store(true, Ordering::Release);
        self
    }

    /// Flushes the file's content to disk (fsync). A render calls it on worker threads
    /// while it reads its prints back, so the disk works while the checks run;
    /// [`PendingFile::commit`] does it itself when it was not done.
    ///
    /// # Errors
    /// [`IoError::Write`] naming the final path.
    pub fn sync(&self) -> Result<(), IoError> {
        if !self.synced.load(Ordering::Acquire) {
            File::open(&self.temp)
                .and_then(|f| f.sync_all())
                .map_err(|e| IoError::write(&self.final_path, e))?;
            self.synced.store(true, Ordering::Release);
        }
        Ok(())
    }

    #[must_use]
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    #[must_use]
    pub fn final_path(&self) -> &Path {
        &self.final_path
    }

    /// Renames the file to its final name (replacing any file there) and syncs the folder.
    ///
    /// # Errors
    /// [`IoError::Write`] naming the final path; the temporary is then removed.
    pub fn commit(mut self) -> Result<PathBuf, IoError> {
        self.sync()?;
        std::fs::rename(&self.temp, &self.final_path)
            .map_err(|e| IoError::write(&self.final_path, e))?;
        self.committed = true;
        sync_parent(&self.final_path)?;
        Ok(std::mem::take(&mut self.final_path))
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Makes a rename in `path`'s folder durable.
fn sync_parent(path: &Path) -> Result<(), IoError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| IoError::write(path, e))
}

/// A small file (a report, a session) written whole or not at all. Main or worker
/// thread; dropping it before [`AtomicFile::commit`] removes the temporary.
///
/// ```no_run
/// # fn main() -> Result<(), stemkit_io::IoError> {
/// stemkit_io::AtomicFile::write(std::path::Path::new("stems/report.json"), b"{}")?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct AtomicFile {
    file: File,
    pending: PendingFile,
}

impl AtomicFile {
    /// Starts `<dir>/.<name>.partial` for `final_path`.
    ///
    /// # Errors
    /// [`IoError::Write`] when the temporary cannot be created.
    pub fn create(final_path: &Path) -> Result<Self, IoError> {
        let (file, temp) = create_temp(final_path)?;
        Ok(Self {
            file,
            pending: PendingFile::new(temp, final_path.into()),
        })
    }

    /// Writes `contents` to `final_path` atomically in one call.
    ///
    /// # Errors
    /// [`IoError::Write`] naming `final_path`; nothing is left behind.
    pub fn write(final_path: &Path, contents: &[u8]) -> Result<PathBuf, IoError> {
        let mut f = Self::create(final_path)?;
        f.write_all(contents)
            .map_err(|e| IoError::write(final_path, e))?;
        f.commit()
    }

    /// Syncs the content and renames it into place.
    ///
    /// # Errors
    /// [`IoError::Write`] naming the final path.
    pub fn commit(self) -> Result<PathBuf, IoError> {
        let Self { file, pending } = self;
        file.sync_all()
            .map_err(|e| IoError::write(&pending.final_path, e))?;
        drop(file);
        pending.synced().commit()
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_sits_beside_the_final_name_hidden() {
        let t = temp_path_for(Path::new("out/stems/Kick_124_Am.wav")).unwrap();
        assert_eq!(t, Path::new("out/stems/.Kick_124_Am.wav.partial"));
        assert_eq!(
            temp_path_for(Path::new("x.json")).unwrap(),
            Path::new(".x.json.partial")
        );
        assert!(temp_path_for(Path::new("/")).is_err());
    }

    #[test]
    fn atomic_write_replaces_whole_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("report.json");
        std::fs::write(&p, "old").unwrap();
        let mut f = AtomicFile::create(&p).unwrap();
        f.write_all(b"{\"new\":").unwrap();
        // Until the commit, readers still see the old file.
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old");
        f.write_all(b"1}").unwrap();
        assert_eq!(f.commit().unwrap(), p);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "{\"new\":1}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn dropped_atomic_file_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("report.json");
        let mut f = AtomicFile::create(&p).unwrap();
        f.write_all(b"half").unwrap();
        drop(f);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn missing_folder_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("no/such/dir/report.json");
        let e = AtomicFile::write(&p, b"{}").unwrap_err();
        assert!(matches!(e, IoError::Write { .. }));
        assert!(e.to_string().starts_with(&p.display().to_string()), "{e}");
    }
}
