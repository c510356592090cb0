//! Helpers shared by the unit tests of the streamed processors.

/// The ranges that cut `0..len` into pieces whose lengths repeat `pattern`: tests feed
/// streams in such uneven blocks to show a result does not depend on where blocks end.
pub(crate) fn cuts(len: usize, pattern: &[usize]) -> impl Iterator<Item = std::ops::Range<usize>> {
    let mut pos = 0;
    pattern.iter().cycle().map_while(move |&n| {
        (pos < len).then(|| {
            let piece = pos..(pos + n).min(len);
            pos = piece.end;
            piece
        })
    })
}
