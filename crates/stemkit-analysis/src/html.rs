//! The HTML report of a check: one self-contained page (inline CSS and SVG, no script,
//! nothing fetched) with every file's waveform overview on one shared time axis, as in a
//! DAW's arrangement view, the residual of the null test under them, the checks and the
//! loudness table.
//!
//! Each lane is an SVG of [`COLUMNS`] columns; a column is a vertical line from the
//! smallest to the largest sample of the frames it covers, so no peak is lost however
//! long the song is.

use std::fmt::Write as _;

use crate::check::{CheckReport, Lane, fmt_db};
use crate::scan::COLUMNS;

const LANE_HEIGHT: f32 = 56.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn lane_svg(lane: &Lane) -> String {
    let mid = LANE_HEIGHT / 2.0;
    let mut path = String::new();
    for (x, (&lo, &hi)) in lane.waveform.min.iter().zip(&lane.waveform.max).enumerate() {
        let (lo, hi) = (lo.clamp(-1.0, 1.0), hi.clamp(-1.0, 1.0));
        // At least one unit tall, so quiet passages still show where audio is.
        let top = mid - hi * mid;
        let bottom = (mid - lo * mid).max(top + 0.5);
        let _ = write!(path, "M{x}.5 {top:.1}V{bottom:.1}");
    }
    format!(
        "<svg class=\"wave {role}\" viewBox=\"0 0 {COLUMNS} {LANE_HEIGHT}\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{label}\"><line x1=\"0\" x2=\"{COLUMNS}\" y1=\"{mid}\" y2=\"{mid}\" class=\"axis\"/><path d=\"{path}\"/></svg>",
        role = lane.role,
        label = esc(&lane.label),
    )
}

fn time_axis(report: &CheckReport) -> String {
    let rate = f64::from(report.sample_rate.unwrap_or(48_000));
    let total = COLUMNS as f64 * report.col_frames as f64 / rate;
    let step = [1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0]
        .into_iter()
        .find(|s| total / s <= 12.0)
        .unwrap_or(600.0);
    let mut ticks = String::new();
    let mut t = 0.0;
    while t <= total {
        let x = t / total * COLUMNS as f64;
        let label = if step >= 60.0 || total >= 120.0 {
            format!("{}:{:02}", (t / 60.0) as u64, (t % 60.0) as u64)
        } else {
            format!("{t:.0} s")
        };
        let _ = write!(
            ticks,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"0\" y2=\"6\"/><text x=\"{x:.1}\" y=\"18\">{label}</text>"
        );
        t += step;
    }
    format!(
        "<svg class=\"time\" viewBox=\"0 0 {COLUMNS} 22\" preserveAspectRatio=\"none\">{ticks}</svg>"
    )
}

/// The report page.
#[must_use]
pub fn render_html(report: &CheckReport) -> String {
    let mut h = String::new();
    let failed = report.checks.iter().filter(|c| !c.ok).count();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>stemkit check: {dir}</title><style>{CSS}</style></head><body>",
        dir = esc(&report.dir)
    );
    let verdict = if report.ok {
        "PASS".to_owned()
    } else {
        format!("FAIL: {failed} of {} checks", report.checks.len())
    };
    let _ = write!(
        h,
        "<h1>stemkit check</h1><p class=\"dir\">{}</p><p class=\"verdict {}\">{}</p>",
        esc(&report.dir),
        if report.ok { "pass" } else { "fail" },
        esc(&verdict)
    );
    if let Some(d) = report.diagnosis.as_ref().filter(|d| !d.findings.is_empty()) {
        h.push_str("<h2>Diagnosis</h2><ul class=\"findings\">");
        for f in &d.findings {
            let _ = write!(h, "<li>{}</li>", esc(f));
        }
        h.push_str("</ul>");
    }
    if !report.notes.is_empty() {
        h.push_str("<h2>Notes</h2><ul>");
        for n in &report.notes {
            let _ = write!(h, "<li>{}</li>", esc(n));
        }
        h.push_str("</ul>");
    }
    h.push_str("<h2>Arrangement</h2><div class=\"lanes\">");
    for lane in &report.lanes {
        // A file with a failing check shows it on its lane: red name, the checks on hover.
        let failed: Vec<&str> = report
            .checks
            .iter()
            .filter(|c| !c.ok && c.file == lane.label)
            .map(|c| c.id)
            .collect();
        let (class, title) = if failed.is_empty() {
            ("name", esc(&lane.label))
        } else {
            (
                "name bad",
                format!("{}: fails {}", esc(&lane.label), failed.join(", ")),
            )
        };
        let _ = write!(
            h,
            "<div class=\"lane\" data-role=\"{}\"><div class=\"{class}\" title=\"{title}\">{}</div>{}</div>",
            lane.role,
            esc(&lane.label),
            lane_svg(lane),
        );
    }
    let _ = write!(
        h,
        "<div class=\"lane axisrow\"><div class=\"name\"></div>{}</div></div>",
        time_axis(report)
    );
    h.push_str(
        "<h2>Checks</h2><table><tr><th>check</th><th>file</th><th>result</th><th>message</th></tr>",
    );
    for c in &report.checks {
        let _ = write!(
            h,
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if c.ok { "ok" } else { "bad" },
            c.id,
            esc(&c.file),
            if c.ok { "ok" } else { "FAIL" },
            esc(&c.message)
        );
    }
    h.push_str("</table><h2>Loudness</h2><table><tr><th>file</th><th>role</th><th>I (LUFS)</th><th>LRA (LU)</th><th>max M</th><th>max S</th><th>sample peak</th><th>true peak</th><th>DC offset</th><th>dual mono</th></tr>");
    for f in &report.files {
        let role = format!("{:?}", f.role).to_lowercase();
        let Some(m) = &f.measurements else {
            let _ = write!(
                h,
                "<tr class=\"bad\"><td>{}</td><td>{role}</td><td colspan=\"8\">unreadable</td></tr>",
                esc(&f.file)
            );
            continue;
        };
        let num = |v: Option<f64>| v.map_or_else(|| "-inf".to_owned(), |v| format!("{v:.1}"));
        let dc = m.dc_offset.iter().fold(0.0_f64, |a, &b| a.max(b.abs()));
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{role}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&f.file),
            num(m.integrated_lufs),
            num(m.loudness_range_lu),
            num(m.max_momentary_lufs),
            num(m.max_short_term_lufs),
            fmt_db(m.sample_peak_dbfs, "dBFS"),
            fmt_db(m.true_peak_dbtp, "dBTP"),
            fmt_db((dc > 0.0).then(|| 20.0 * dc.log10()), "dBFS"),
            m.stereo
                .as_ref()
                .map_or("mono file", |s| if s.dual_mono { "yes" } else { "no" }),
        );
    }
    h.push_str("</table></body></html>\n");
    h
}

const CSS: &str = "body{font:14px system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}\
h1{margin:0 0 4px}.dir{color:#666;margin:0 0 8px}.verdict{font-weight:bold;font-size:18px}\
.pass{color:#1a7f37}.fail{color:#c62828}.findings li{margin:4px 0}\
.lanes{border:1px solid #ccc;background:#fff}.lane{display:flex;align-items:center;border-bottom:1px solid #eee}\
.lane .name{width:220px;flex:none;padding:0 8px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}\
.lane svg{flex:1;height:56px;display:block}.lane svg.time{height:22px}\
svg.wave path{stroke:#2f6fb3;stroke-width:1;fill:none}svg.wave.mix path,svg.wave.master path{stroke:#555}\
svg.wave.return path{stroke:#7b4fb3}svg.wave.residual path{stroke:#c62828}\
.lane[data-role=residual]{background:#fff5f5}.name.bad{color:#c62828;font-weight:bold}.axis{stroke:#ddd}svg.time line{stroke:#999}\
svg.time text{font-size:11px;fill:#666}table{border-collapse:collapse;margin:8px 0}\
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}tr.bad td{background:#fdecea}";
