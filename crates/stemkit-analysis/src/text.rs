//! The terminal summary of a check: one line per failing check, one line per passing
//! check id, then the loudness table.

use std::fmt::Write as _;

use crate::check::{CheckReport, fmt_db};

/// The summary `stemkit check` prints without `--json`.
#[must_use]
pub fn render_text(report: &CheckReport) -> String {
    let mut out = String::new();
    let failed = report.checks.iter().filter(|c| !c.ok).count();
    let verdict = if report.ok {
        "PASS".to_owned()
    } else {
        format!("FAIL ({failed} of {} checks failed)", report.checks.len())
    };
    let _ = writeln!(out, "{}: {verdict}", report.dir);
    for c in report.checks.iter().filter(|c| !c.ok) {
        let file = if c.file.is_empty() {
            String::new()
        } else {
            format!("{}: ", c.file)
        };
        let _ = writeln!(out, "  FAIL {:<12} {file}{}", c.id, c.message);
    }
    let mut ids: Vec<&str> = Vec::new();
    for c in &report.checks {
        if !ids.contains(&c.id) {
            ids.push(c.id);
        }
    }
    for id in ids {
        let of_id: Vec<_> = report.checks.iter().filter(|c| c.id == id).collect();
        if of_id.iter().all(|c| c.ok) {
            let detail = if of_id.len() == 1 {
                of_id[0].message.clone()
            } else {
                format!("{} files", of_id.len())
            };
            let _ = writeln!(out, "  ok   {id:<12} {detail}");
        }
    }
    for n in &report.notes {
        let _ = writeln!(out, "  note {n}");
    }
    if !report.ignored.is_empty() {
        let _ = writeln!(out, "  (not audio, ignored: {})", report.ignored.join(", "));
    }
    let _ = writeln!(
        out,
        "\n  {:<32} {:<7} {:>9} {:>6} {:>9} {:>9} {:>10} {:>10}",
        "file", "role", "I LUFS", "LRA", "max M", "max S", "peak", "true peak"
    );
    for f in &report.files {
        let Some(m) = &f.measurements else {
            let _ = writeln!(
                out,
                "  {:<32} {:<7} unreadable",
                f.file,
                format!("{:?}", f.role).to_lowercase()
            );
            continue;
        };
        let num = |v: Option<f64>| v.map_or_else(|| "-inf".to_owned(), |v| format!("{v:.1}"));
        let _ = writeln!(
            out,
            "  {:<32} {:<7} {:>9} {:>6} {:>9} {:>9} {:>10} {:>10}",
            f.file,
            format!("{:?}", f.role).to_lowercase(),
            num(m.integrated_lufs),
            num(m.loudness_range_lu),
            num(m.max_momentary_lufs),
            num(m.max_short_term_lufs),
            fmt_db(m.sample_peak_dbfs, "dBFS"),
            fmt_db(m.true_peak_dbtp, "dBTP"),
        );
    }
    out
}
