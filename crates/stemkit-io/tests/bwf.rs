//! Broadcast Wave and iXML chunks: read back by mediainfo (bext), a RIFF walk plus an XML
//! parser (iXML), and the audio still read bit-exactly by hound and symphonia.

use std::path::Path;
use std::process::Command;

use stemkit_io::{Bext, Ixml, SampleFormat, WavMetadata, WavSpec, WavWriter};

fn write_with_metadata(path: &Path) {
    let spec = WavSpec {
        sample_rate: 48_000,
        channels: 2,
        format: SampleFormat::Int24,
    };
    let mut bext = Bext::new("Kick stem (dry), Night Drive", 48_000 * 3600);
    bext.originator_reference = "night-drive".into();
    let meta = WavMetadata {
        bext: Some(bext),
        ixml: Some(Ixml {
            project: "Night Drive".into(),
            tempo_bpm: Some(124.0),
            key: Some("Am".into()),
            note: Some("Kick, dry".into()),
            track_names: vec!["Kick L".into(), "Kick R".into()],
        }),
    };
    let mut w = WavWriter::create_with(path, spec, &meta).expect("create");
    w.write_int(&[&[1, -2, 3], &[8_388_607, -8_388_608, 0]])
        .expect("write");
    w.finish().expect("finish").commit().expect("commit");
}

/// The RIFF chunks of a file: (id, body).
fn chunks(bytes: &[u8]) -> Vec<([u8; 4], &[u8])> {
    assert_eq!(&bytes[..4], b"RIFF");
    assert_eq!(
        u32::from_le_bytes(bytes[4..8].try_into().expect("4 bytes")) as usize,
        bytes.len() - 8
    );
    let mut at = 12;
    let mut out = Vec::new();
    while at + 8 <= bytes.len() {
        let id: [u8; 4] = bytes[at..at + 4].try_into().expect("4 bytes");
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().expect("4 bytes")) as usize;
        out.push((id, &bytes[at + 8..at + 8 + len]));
        at += 8 + len + len % 2;
    }
    assert_eq!(at, bytes.len(), "chunks must tile the file");
    out
}

#[test]
fn bext_and_ixml_are_where_readers_look() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Kick_124_Am.wav");
    write_with_metadata(&path);
    let bytes = std::fs::read(&path).unwrap();
    let ids: Vec<String> = chunks(&bytes)
        .iter()
        .map(|(id, _)| String::from_utf8_lossy(id).into_owned())
        .collect();
    assert_eq!(ids, ["JUNK", "fmt ", "bext", "iXML", "data"]);

    let all = chunks(&bytes);
    let ixml = std::str::from_utf8(all[3].1).unwrap();
    for want in [
        "<PROJECT>Night Drive</PROJECT>",
        "TEMPO=124",
        "KEY=Am",
        "<NAME>Kick R</NAME>",
    ] {
        assert!(ixml.contains(want), "{ixml}");
    }
    // Well-formed XML, by an independent parser when one is at hand.
    match Command::new("python3")
        .args(["-c", "import sys, xml.etree.ElementTree as E; r = E.fromstring(sys.stdin.read()); print(r.tag, r.find('PROJECT').text)"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
    {
        Ok(mut child) => {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(ixml.as_bytes()).unwrap();
            let out = child.wait_with_output().unwrap();
            assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "BWFXML Night Drive");
        }
        Err(_) => eprintln!("python3 not found: iXML checked by substring only"),
    }

    // The audio is untouched by the extra chunks.
    let mut r = hound::WavReader::open(&path).unwrap();
    let s: Vec<i32> = r.samples::<i32>().map(Result::unwrap).collect();
    assert_eq!(s, [1, 8_388_607, -2, -8_388_608, 3, 0]);
    let info = stemkit_io::probe(&path).unwrap();
    assert_eq!(info.frames, Some(3));
}

#[test]
fn mediainfo_reads_the_bext_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Kick.wav");
    write_with_metadata(&path);
    let Ok(out) = Command::new("mediainfo").arg("-f").arg(&path).output() else {
        eprintln!("skipped: mediainfo is not installed (apt-get install mediainfo)");
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    for want in [
        "Description                              : Kick stem (dry), Night Drive",
        "Producer                                 : stemkit",
        "Producer_Reference                       : night-drive",
        "A=PCM,F=48000,W=24,M=stereo,T=stemkit",
        "Delay                                    : 01:00:00.000",
        "Delay, origin                            : Container (bext)",
    ] {
        assert!(text.contains(want), "mediainfo lacks {want:?}:\n{text}");
    }
}
