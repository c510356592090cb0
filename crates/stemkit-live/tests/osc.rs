//! OSC from a separate client over real UDP: valid messages reach the mix and the capture,
//! bad ones are answered with `/stemkit/error` and change nothing.

mod common;

use std::net::UdpSocket;
use std::thread::sleep;
use std::time::Duration;

use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};
use stemkit_live::{Access, Live, LiveOptions, OscServer, Output, play};

fn msg(addr: &str, args: Vec<OscType>) -> OscPacket {
    OscPacket::Message(OscMessage {
        addr: addr.into(),
        args,
    })
}

fn send(client: &UdpSocket, to: std::net::SocketAddr, p: &OscPacket) {
    client
        .send_to(&rosc::encoder::encode(p).expect("encode"), to)
        .expect("send");
}

fn error_reply(client: &UdpSocket) -> String {
    let mut buf = [0_u8; 4096];
    let (n, _) = client.recv_from(&mut buf).expect("an error reply");
    match rosc::decoder::decode_udp(&buf[..n]).expect("decode").1 {
        OscPacket::Message(m) if m.addr == "/stemkit/error" => match m.args.as_slice() {
            [OscType::String(s)] => s.clone(),
            other => panic!("error without a message: {other:?}"),
        },
        other => panic!("unexpected reply {other:?}"),
    }
}

#[test]
fn osc_messages_from_another_socket_drive_the_mix() {
    let dir = common::temp();
    let session = common::band(dir.path(), 3.0);
    let capture = common::path(&dir, "osc.automation");
    let options = LiveOptions {
        block: 256,
        capture: Some(capture.clone()),
        ..LiveOptions::default()
    };
    let mut live = Live::new(&session, &options, &mut |_| {}).expect("live session");
    let h = live.handle();
    let server = OscServer::start(
        "127.0.0.1:0".parse().expect("addr"),
        h.clone(),
        Access { token: None },
    )
    .expect("osc");
    let to = server.addr();
    let playback = play(
        live.take_processor().expect("processor"),
        &Output::Null,
        Some(1.5),
    )
    .expect("output");
    let client = UdpSocket::bind("127.0.0.1:0").expect("client socket");
    client
        .set_read_timeout(Some(Duration::from_secs(2)))
        .expect("timeout");

    send(&client, to, &msg("/stemkit/transport/play", vec![]));
    send(
        &client,
        to,
        &msg("/stemkit/stem/Drums/gain_db", vec![OscType::Float(-12.5)]),
    );
    send(
        &client,
        to,
        &msg("/stemkit/stem/Bass/mute", vec![OscType::Int(1)]),
    );
    send(
        &client,
        to,
        &OscPacket::Bundle(OscBundle {
            timetag: OscTime {
                seconds: 0,
                fractional: 1,
            },
            content: vec![
                msg("/stemkit/stem/Keys/filter", vec![OscType::Double(-0.25)]),
                msg("/stemkit/stem/Keys/send/Plate", vec![OscType::Float(-6.0)]),
            ],
        }),
    );
    send(
        &client,
        to,
        &msg(
            "/stemkit/stem/Drums/gain_db",
            vec![OscType::Float(f32::NAN)],
        ),
    );
    assert!(error_reply(&client).contains("not a number"));
    send(
        &client,
        to,
        &msg("/stemkit/stem/Vocals/mute", vec![OscType::Int(1)]),
    );
    assert!(error_reply(&client).contains("no stem named \"Vocals\""));
    send(
        &client,
        to,
        &msg("/stemkit/stem/Keys/filter", vec![OscType::Float(3.0)]),
    );
    assert!(error_reply(&client).contains("outside -1 ..= 1"));
    send(
        &client,
        to,
        &msg(
            "/stemkit/stem/Keys/filter",
            vec![OscType::String("x".into())],
        ),
    );
    assert!(error_reply(&client).contains("not a number"));

    while !playback.is_finished() {
        sleep(Duration::from_millis(10));
    }
    playback.stop().expect("stop");
    drop(server);
    live.finish().expect("finish");

    let state = h.state().0;
    assert_eq!(state.stems[0].gain_db, -12.5);
    assert!(state.stems[1].mute);
    assert_eq!(state.stems[2].filter, -0.25);
    assert_eq!(state.stems[2].sends[0], -6.0);
    let text = std::fs::read_to_string(&capture).expect("capture");
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split_once(' ').expect("frame").1)
        .collect();
    assert_eq!(
        lines
            .iter()
            .filter(|l| !l.starts_with("/stemkit/stall"))
            .copied()
            .collect::<Vec<_>>(),
        [
            "/stemkit/transport/play",
            "/stemkit/stem/Drums/gain_db -12.5",
            "/stemkit/stem/Bass/mute 1",
            "/stemkit/stem/Keys/filter -0.25",
            "/stemkit/stem/Keys/send/Plate -6",
            "/stemkit/end",
        ],
        "{text}"
    );
}

#[test]
fn a_remote_surface_answers_only_after_the_token() {
    let dir = common::temp();
    let session = common::band(dir.path(), 1.0);
    let mut live = Live::new(&session, &LiveOptions::default(), &mut |_| {}).expect("live session");
    let h = live.handle();
    // A remote rule on a loopback socket: the token logic is what is tested here.
    let access = Access {
        token: Some("0123456789abcdef".into()),
    };
    let server =
        OscServer::start("127.0.0.1:0".parse().expect("addr"), h.clone(), access).expect("osc");
    let client = UdpSocket::bind("127.0.0.1:0").expect("client socket");
    client
        .set_read_timeout(Some(Duration::from_secs(2)))
        .expect("timeout");
    send(
        &client,
        server.addr(),
        &msg("/stemkit/master/gain_db", vec![OscType::Float(-3.0)]),
    );
    assert!(error_reply(&client).contains("/stemkit/auth"));
    send(
        &client,
        server.addr(),
        &msg("/stemkit/auth", vec![OscType::String("wrong".into())]),
    );
    assert!(error_reply(&client).contains("wrong token"));
    send(
        &client,
        server.addr(),
        &msg(
            "/stemkit/auth",
            vec![OscType::String("0123456789abcdef".into())],
        ),
    );
    send(
        &client,
        server.addr(),
        &msg("/stemkit/master/gain_db", vec![OscType::Float(-3.0)]),
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    while h.state().0.master_gain_db != -3.0 && std::time::Instant::now() < deadline {
        sleep(Duration::from_millis(5));
    }
    assert_eq!(h.state().0.master_gain_db, -3.0);
    drop(server);
    drop(live.take_processor());
    live.finish().expect("finish");
}
