//! The name fixture: at least 95 % of realistic track names must land in the stem an
//! engineer would choose, in both built-in layouts. Misses are printed.
#![allow(clippy::unwrap_used)] // test helpers fail loudly by design

use stemkit_init::{Layout, place_by_name};

const FIXTURE: &str = include_str!("fixtures/track_names.tsv");

/// `(file name, six stem, twelve stem)` of every fixture line.
fn cases() -> Vec<(&'static str, &'static str, &'static str)> {
    FIXTURE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 3, "fixture line {l:?}");
            (cols[0], cols[1], cols[2])
        })
        .collect()
}

/// The stem `file` lands in by name: a stem name, "-" (left out) or "?" (the audio
/// decides).
fn stem_of(layout: &Layout, file: &str) -> String {
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    match place_by_name(layout, stem, &[]) {
        None => "?".to_owned(),
        Some(p) => p
            .stem
            .map_or_else(|| "-".to_owned(), |i| layout.stems[i].name.clone()),
    }
}

fn score(layout_name: &str, pick: fn(&(&'static str, &'static str, &'static str)) -> &'static str) {
    let layout = Layout::builtin(layout_name).unwrap();
    let cases = cases();
    assert!(cases.len() >= 150, "the fixture has {} names", cases.len());
    let mut misses = Vec::new();
    for c in &cases {
        let got = stem_of(&layout, c.0);
        if got != pick(c) {
            misses.push(format!("  {:<28} expected {:<16} got {got}", c.0, pick(c)));
        }
    }
    let hit = cases.len() - misses.len();
    let rate = hit as f64 / cases.len() as f64;
    println!(
        "layout {layout_name}: {hit} of {} names in the expected stem ({:.1} %)",
        cases.len(),
        100.0 * rate
    );
    if !misses.is_empty() {
        println!("misses:\n{}", misses.join("\n"));
    }
    assert!(rate >= 0.95, "{:.1} % < 95 %", 100.0 * rate);
}

#[test]
fn six_layout_names() {
    score("six", |c| c.1);
}

#[test]
fn twelve_layout_names() {
    score("twelve", |c| c.2);
}
