//! The importer on arbitrary input, two ways: the bytes as an archive (the ZIP layer), and
//! the bytes as `project.xml` inside a well-formed archive (so the fuzzer reaches the XML,
//! the timeline and the mixer mapping without first having to forge a ZIP). Any panic is a
//! bug; errors are the expected outcome.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use stemkit_dawproject::{Limits, plan_archive};

const LIMITS: Limits = Limits {
    max_expanded: 64 << 20,
    max_xml: 8 << 20,
};

fuzz_target!(|data: &[u8]| {
    let _ = plan_archive(data, LIMITS);

    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored);
    if zip.start_file("project.xml", opts).is_ok() && zip.write_all(data).is_ok() {
        let _ = zip.start_file("audio/a.wav", opts);
        if let Ok(cursor) = zip.finish() {
            let _ = plan_archive(&cursor.into_inner(), LIMITS);
        }
    }
});
