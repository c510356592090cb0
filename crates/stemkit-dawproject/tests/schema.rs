//! What the export writes validates against the format's published schemas.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use common::{Validation, validate};
use stemkit_dawproject::{ExportSpec, ExportTrack, metadata_xml, project_xml};

fn spec(bpm: Option<f64>) -> ExportSpec {
    ExportSpec {
        name: "Night Drive & <Friends> \"live\"".into(),
        bpm,
        time_signature: Some((7, 8)),
        sample_rate: 48_000,
        tracks: vec![
            ExportTrack {
                name: "Kick & Snare <dry>".into(),
                path: PathBuf::from("Kick_124.wav"),
                channels: 1,
                frames: 480_000,
            },
            ExportTrack {
                name: "Plate".into(),
                path: PathBuf::from("Plate_124.wav"),
                channels: 2,
                frames: 480_000,
            },
        ],
        embed: true,
    }
}

fn valid(v: Validation) -> bool {
    match v {
        Validation::Valid | Validation::NoTool => true,
        Validation::Invalid(msg) => {
            println!("{msg}");
            false
        }
    }
}

#[test]
fn exported_project_and_metadata_validate() {
    let paths = vec![
        "audio/Kick_124.wav".to_owned(),
        "audio/Plate_124.wav".to_owned(),
    ];
    for s in [spec(Some(124.0)), spec(None)] {
        let xml = project_xml(&s, &paths, false);
        assert!(valid(validate("Project.xsd", &xml)), "{xml}");
        let xml = project_xml(&s, &paths, true);
        assert!(valid(validate("Project.xsd", &xml)), "{xml}");
        let meta = metadata_xml(&s);
        assert!(valid(validate("MetaData.xsd", &meta)), "{meta}");
    }
}

#[test]
fn the_validation_can_fail() {
    let s = spec(Some(124.0));
    let xml = project_xml(&s, &["a.wav".into(), "b.wav".into()], false);
    // A tempo without its required unit, and a channel role the schema does not list.
    let broken =
        xml.replacen(" unit=\"bpm\"", "", 1)
            .replacen("role=\"regular\"", "role=\"bus\"", 1);
    match validate("Project.xsd", &broken) {
        Validation::Invalid(msg) => assert!(msg.contains("unit") || msg.contains("role"), "{msg}"),
        Validation::NoTool => {}
        Validation::Valid => panic!("a broken project validated"),
    }
    let meta = metadata_xml(&s)
        .replace("<Title>", "<Titel>")
        .replace("</Title>", "</Titel>");
    assert!(matches!(
        validate("MetaData.xsd", &meta),
        Validation::Invalid(_) | Validation::NoTool
    ));
}
