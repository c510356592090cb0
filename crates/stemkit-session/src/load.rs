//! Reading a session file: TOML syntax, the unknown-key pass, serde, then validation.

use std::path::Path;

use crate::{Session, SessionError, keys, validate};

/// Loads and validates the session at `path`.
///
/// # Errors
/// [`SessionError`] naming the file, and for invalid sessions every problem with its line.
pub fn load(path: &Path) -> Result<Session, SessionError> {
    let text = std::fs::read_to_string(path).map_err(|source| SessionError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, path)
}

/// Parses and validates session `text` as if read from `path` (track files are resolved
/// against its folder).
///
/// # Errors
/// As [`load`].
pub fn parse(text: &str, path: &Path) -> Result<Session, SessionError> {
    let syntax = |message: String| SessionError::Syntax {
        path: path.to_path_buf(),
        message,
    };
    let doc = toml_edit::Document::parse(text).map_err(|e| syntax(e.to_string()))?;
    let unknown = keys::unknown_keys(text, doc.as_table());
    if !unknown.is_empty() {
        return Err(SessionError::Invalid {
            path: path.to_path_buf(),
            problems: unknown,
        });
    }
    let mut session: Session =
        toml::from_str(text).map_err(|e| syntax(describe_de_error(text, &e)))?;
    session.path = path.to_path_buf();
    let problems = validate::problems(&session, text, doc.as_table());
    if problems.is_empty() {
        Ok(session)
    } else {
        Err(SessionError::Invalid {
            path: path.to_path_buf(),
            problems,
        })
    }
}

/// serde's message with the line it refers to, in one line.
fn describe_de_error(text: &str, e: &toml::de::Error) -> String {
    let line = e
        .span()
        .map(|s| format!(" at line {}", keys::line_of(text, s.start)));
    let message = e.message().trim().replace('\n', " ");
    let message = match message.as_str() {
        "missing field `session`" => {
            "the file has no [session] table (it needs at least sample_rate)".to_owned()
        }
        "missing field `sample_rate`" => {
            "[session] has no sample_rate (the rate of every print, in Hz, e.g. 48000)".to_owned()
        }
        _ => message.replace("missing field `", "missing key `"),
    };
    let message = message
        .replace(
            "data did not match any variant of untagged enum AutoOr",
            "expected a number or \"auto\"",
        )
        .replace(
            "data did not match any variant of untagged enum Release",
            "expected a time in ms or \"auto\"",
        )
        .replace(
            "data did not match any variant of untagged enum DelayTime",
            "expected a time in ms or a note value like \"1/8\"",
        );
    format!("{message}{}", line.unwrap_or_default())
}
