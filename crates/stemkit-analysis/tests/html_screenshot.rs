//! The HTML report as a person sees it: headless Chromium takes a screenshot, and the
//! picture must show one waveform band per stem, one for the mix and a red residual band,
//! each spanning the time axis. Needs the Debian `chromium` package; without a browser on
//! PATH the test says so and checks nothing.

use std::path::Path;
use std::process::Command;

use stemkit_analysis::{CheckOptions, check_folder, render_html};

const RATE: u32 = 48_000;

fn write_wav(path: &Path, x: &[i32]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE,
        bits_per_sample: 24,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("create wav");
    for &s in x {
        w.write_sample(s).expect("write sample");
    }
    w.finalize().expect("finalize wav");
}

/// Noise bursts every `gap` seconds, decaying, over 4 s.
fn bursts(seed: u64, gap: f64) -> Vec<i32> {
    let n = 4 * RATE as usize;
    let mut state = seed;
    let mut x = vec![0i32; n];
    let mut t = 0.1;
    while t < 3.8 {
        let start = (t * f64::from(RATE)) as usize;
        for (k, s) in x[start..(start + 9600).min(n)].iter_mut().enumerate() {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let noise = ((state >> 40) as f64 / f64::from(1u32 << 24)) - 0.5;
            *s += (noise * 3_000_000.0 * (-(k as f64) / 2400.0).exp()) as i32;
        }
        t += gap;
    }
    x
}

fn browser() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

/// Bands of consecutive rows holding pixels near `rgb` within the columns `xs`, kept when
/// their pixels stretch over at least 60 % of those columns (a waveform along the time
/// axis, not a word of text); each as (first row, last row).
fn bands(
    img: &[u8],
    width: usize,
    bpp: usize,
    xs: std::ops::Range<usize>,
    rgb: [u8; 3],
) -> Vec<(usize, usize)> {
    let rows = img.len() / (width * bpp);
    let near = |p: &[u8]| {
        p.iter()
            .zip(rgb)
            .map(|(&a, b)| (i32::from(a) - i32::from(b)).abs())
            .max()
            .unwrap_or(255)
            <= 40
    };
    // (first row, last row, leftmost hit, rightmost hit)
    let mut found: Vec<(usize, usize, usize, usize)> = Vec::new();
    for y in 0..rows {
        let hits: Vec<usize> = xs
            .clone()
            .filter(|&x| near(&img[(y * width + x) * bpp..][..3]))
            .collect();
        let (Some(&lo), Some(&hi)) = (hits.first(), hits.last()) else {
            continue;
        };
        if hits.len() < 10 {
            continue;
        }
        match found.last_mut() {
            Some(b) if b.1 + 1 == y => *b = (b.0, y, b.2.min(lo), b.3.max(hi)),
            _ => found.push((y, y, lo, hi)),
        }
    }
    found
        .into_iter()
        .filter(|b| (b.3 - b.2) * 10 >= xs.len() * 6)
        .map(|b| (b.0, b.1))
        .collect()
}

#[test]
fn screenshot_shows_a_lane_per_stem_the_mix_and_the_residual() {
    let Some(chromium) = browser() else {
        println!("no chromium on PATH: screenshot not taken (apt-get install chromium)");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let stems = [bursts(1, 0.45), bursts(2, 0.6), bursts(3, 0.35)];
    let mut mix = vec![0i32; stems[0].len()];
    for s in &stems {
        for (m, v) in mix.iter_mut().zip(s) {
            *m += v;
        }
    }
    for (i, s) in stems.iter().enumerate() {
        // The second stem printed 500 samples late, so the residual lane has something to show.
        let x: Vec<i32> = if i == 1 {
            std::iter::repeat_n(0, 500)
                .chain(s.iter().copied())
                .take(s.len())
                .collect()
        } else {
            s.clone()
        };
        write_wav(&dir.path().join(format!("Stem{i}_124_Am.wav")), &x);
    }
    write_wav(&dir.path().join("Mix_124_Am.wav"), &mix);
    let report = check_folder(dir.path(), &CheckOptions::default()).expect("check runs");
    let html = dir.path().join("report.html");
    std::fs::write(&html, render_html(&report)).expect("write html");
    let png = dir.path().join("shot.png");
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1200,1000",
        ])
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("run chromium");
    assert!(
        png.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let decoder = png::Decoder::new(std::fs::File::open(&png).expect("open png"));
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("png frame");
    let (width, bpp) = (info.width as usize, info.color_type.samples());
    let img = &buf[..info.buffer_size()];
    // The waveform column: right of the lane names, inside the lane box.
    let xs = 300..1100;
    let blue = bands(img, width, bpp, xs.clone(), [0x2f, 0x6f, 0xb3]);
    let grey = bands(img, width, bpp, xs.clone(), [0x55, 0x55, 0x55]);
    let red = bands(img, width, bpp, xs, [0xc6, 0x28, 0x28]);
    assert_eq!(blue.len(), 3, "stem bands {blue:?}");
    assert_eq!(red.len(), 1, "residual band {red:?}");
    // The mix lane sits between the stems and the residual (the grey of table text further
    // down is not looked at).
    let between: Vec<_> = grey
        .iter()
        .filter(|g| g.0 > blue[2].1 && g.1 < red[0].0)
        .collect();
    assert_eq!(
        between.len(),
        1,
        "mix band {grey:?} between {blue:?} and {red:?}"
    );
    assert!(
        blue[2].1 < red[0].0,
        "residual under the stems: {blue:?} {red:?}"
    );
}
