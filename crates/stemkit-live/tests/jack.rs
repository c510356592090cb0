//! JACK output (feature `jack`) against a real server, `jackd -d dummy` (Debian jackd2):
//! the session plays through cpal's JACK host, a second JACK client (a cpal input stream)
//! is connected to its ports with `jack_connect`, and what it captures is the mix.
//!
//! `cargo test -p stemkit-live --features jack --test jack`; prints why and passes without
//! running when jackd is not installed.
#![cfg(feature = "jack")]

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::sleep;
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use stemkit_live::{Control, Live, LiveOptions, Output, play};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn ports() -> Vec<String> {
    Command::new("jack_lsp")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_session_plays_through_jack_and_is_captured_by_another_client() {
    let Ok(child) = Command::new("jackd")
        .args(["--no-realtime", "-d", "dummy", "-r", "48000", "-p", "256"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    else {
        eprintln!("skipped: no jackd (apt-get install jackd2)");
        return;
    };
    let _server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !ports().iter().any(|p| p.starts_with("system:")) {
        assert!(Instant::now() < deadline, "jackd did not start");
        sleep(Duration::from_millis(100));
    }

    let host = cpal::host_from_id(cpal::HostId::Jack).expect("JACK host");
    let input = host.default_input_device().expect("JACK input");
    let captured = Arc::new(Mutex::new(Vec::<f32>::new()));
    let sink = Arc::clone(&captured);
    let config = cpal::StreamConfig {
        channels: 2,
        sample_rate: common::RATE,
        buffer_size: cpal::BufferSize::Fixed(256),
    };
    let recorder = input
        .build_input_stream(
            config,
            move |data: &[f32], _: &cpal::InputCallbackInfo| {
                if let Ok(mut v) = sink.lock() {
                    v.extend_from_slice(data);
                }
            },
            |e| eprintln!("capture: {e}"),
            None,
        )
        .expect("capture stream");
    recorder.play().expect("capture");

    let dir = common::temp();
    common::write_wav(
        &dir.path().join("a.wav"),
        2,
        common::RATE,
        4 * 48_000,
        common::sine(440.0, 0.25),
    );
    let session = common::session(
        dir.path(),
        "[session]\nsample_rate = 48000\n\n[[track]]\nname = \"A\"\nfile = \"a.wav\"\nstem = \"A\"\n\n[[stem]]\nname = \"A\"\n",
    );
    let options = LiveOptions {
        block: 256,
        capture: None,
        ..LiveOptions::default()
    };
    let mut live = Live::new(&session, &options, &mut |_| {}).expect("live");
    let h = live.handle();
    h.send(Control::MasterLimiter { on: false })
        .expect("limiter");
    h.send(Control::Play).expect("play");
    let before = ports();
    let playback = play(
        live.take_processor().expect("processor"),
        &Output::Jack,
        Some(3.0),
    )
    .expect("JACK output");
    sleep(Duration::from_millis(300));
    let ours: Vec<String> = ports()
        .into_iter()
        .filter(|p| !before.contains(p) && !p.starts_with("system:"))
        .collect();
    let ins: Vec<&String> = before
        .iter()
        .filter(|p| !p.starts_with("system:") && p.contains("in"))
        .collect();
    assert!(
        ours.len() >= 2 && ins.len() >= 2,
        "ports: ours {ours:?}, capture {ins:?}"
    );
    for (from, to) in ours.iter().zip(&ins) {
        let ok = Command::new("jack_connect")
            .args([from.as_str(), to.as_str()])
            .status()
            .expect("jack_connect");
        assert!(ok.success(), "jack_connect {from} {to}");
    }
    let start = captured.lock().expect("captured").len();
    sleep(Duration::from_millis(1500));
    let end = captured.lock().expect("captured").len();
    while !playback.is_finished() {
        sleep(Duration::from_millis(20));
    }
    playback.stop().expect("stop");
    drop(recorder);
    live.finish().expect("finish");

    let all = captured.lock().expect("captured").clone();
    let left: Vec<f32> = all[start..end].iter().step_by(2).copied().collect();
    assert!(left.len() > 24_000, "captured {} frames", left.len());
    let window = &left[left.len() - 24_000..];
    let peak = window.iter().fold(0.0_f32, |m, v| m.max(v.abs()));
    assert!(
        (peak - 0.25).abs() < 0.01,
        "captured peak {peak}, the source is a 0.25 sine"
    );
    let crossings = window
        .windows(2)
        .filter(|w| w[0] < 0.0 && w[1] >= 0.0)
        .count();
    assert!(
        (219..=221).contains(&crossings),
        "{crossings} rising crossings in 0.5 s (440 Hz: 220)"
    );
}
