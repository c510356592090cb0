//! Live and offline sound the same: the live graph, played from the start with nothing
//! touched and the safety limiter out, equals the offline render's mastered mix (after
//! the live output's latency), on a session with inserts on every bus, sends, a sidechain
//! key, a mono stem, a resampled source and a master chain.

mod common;

use stemkit_engine::{RenderOptions, Role, render};
use stemkit_live::{Live, LiveOptions, render_automation};

#[test]
fn the_untouched_live_mix_equals_the_offline_master() {
    let dir = common::temp();
    let mut session = common::band(dir.path(), 3.0);
    // Silence at the very start, so the transport's fade-in touches nothing.
    for t in &mut session.tracks {
        t.at += 0.05;
    }
    session.output.bit_depth = stemkit_session::BitDepth::Float32;
    let prints = dir.path().join("prints");
    let done =
        render(&session, &RenderOptions::new(&prints), &mut |_, _| {}).expect("offline render");
    let master = done
        .files
        .into_iter()
        .find(|f| f.role == Role::Master)
        .expect("a mastered mix");
    let master_path = master.pending.commit().expect("commit");
    let offline = common::read_wav(&master_path);

    let latency = {
        let mut live = Live::new(&session, &LiveOptions::default(), &mut |_| {}).expect("live");
        drop(live.take_processor());
        let l = live.handle().latency();
        live.finish().expect("finish");
        l
    };
    let frames = offline[0].len();
    let block = 256;
    let end = (frames + latency).div_ceil(block) * block;
    let auto = dir.path().join("untouched.automation");
    std::fs::write(
        &auto,
        format!("# stemkit automation 1\n# sample_rate 48000\n# block {block}\n0 /stemkit/transport/play\n0 /stemkit/master/limiter 0\n{end} /stemkit/end\n"),
    )
    .expect("automation");
    let out = dir.path().join("live.wav");
    render_automation(&session, &auto, &out).expect("replay");
    let live = common::read_wav(&out);
    let mut worst = 0.0_f32;
    for c in 0..2 {
        for n in 0..frames {
            worst = worst.max((live[c][n + latency] - offline[c][n]).abs());
        }
    }
    let peak = offline[0].iter().fold(0.0_f32, |m, v| m.max(v.abs()));
    assert!(peak > 0.1, "the mix has sound");
    assert!(
        worst < 1e-5,
        "live differs from offline by {worst} ({:.1} dBFS)",
        20.0 * worst.log10()
    );
}
