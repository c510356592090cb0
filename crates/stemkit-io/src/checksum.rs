//! SHA-256 of delivered files, for the report: the receiving engineer can prove the files
//! arrived as printed.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::IoError;

/// The SHA-256 of the file at `path`, as 64 lowercase hex digits. Streams the file in
/// 64 KiB pieces. Main or worker thread.
///
/// # Errors
/// [`IoError::NotFound`] or [`IoError::Read`] naming `path`.
pub fn sha256_file(path: &Path) -> Result<String, IoError> {
    let mut file = std::fs::File::open(path).map_err(|e| IoError::open(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf).map_err(|e| IoError::Read {
            path: path.into(),
            source: e,
        })?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_fips_180_2_test_vector_and_sha256sum() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("abc.txt");
        std::fs::write(&p, "abc").unwrap();
        assert_eq!(
            sha256_file(&p).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // Longer than one read, against the system's sha256sum when present.
        let big = dir.path().join("big.bin");
        std::fs::write(
            &big,
            (0..200_000u32)
                .map(|i| (i * 7 % 251) as u8)
                .collect::<Vec<_>>(),
        )
        .unwrap();
        match std::process::Command::new("sha256sum").arg(&big).output() {
            Ok(out) if out.status.success() => {
                let want = String::from_utf8(out.stdout).unwrap();
                assert_eq!(
                    sha256_file(&big).unwrap(),
                    want.split_whitespace().next().unwrap()
                );
            }
            _ => eprintln!("sha256sum not found: only the FIPS vector was checked"),
        }
    }

    #[test]
    fn missing_file_names_it() {
        let e = sha256_file(Path::new("nope/missing.wav")).unwrap_err();
        assert_eq!(e.to_string(), "nope/missing.wav: no such file");
    }
}
