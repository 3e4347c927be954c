//! A small seeded mutator for the stable driver (libFuzzer does its own): the usual byte-level
//! edits — flip a bit, set an interesting byte, insert, delete, duplicate a run, splice another
//! seed in — a few at a time, reproducible from the seed of the random generator.

/// Bytes that often sit on a parser's boundaries.
const INTERESTING: [u8; 16] = [
    0, 1, 0x7f, 0x80, 0xff, b'.', b'"', b'\\', b'{', b'}', b'[', b':', b'=', b'%', b'<', b'\n',
];

/// Longest input the mutator makes.
pub const MAX_LEN: usize = 4096;

/// A mutation of `input`, drawing from `rng` and splicing from `pool`.
pub fn mutate(rng: &mut fastrand::Rng, input: &[u8], pool: &[Vec<u8>]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..rng.usize(1..=4) {
        let len = out.len();
        match rng.u8(0..7) {
            0 if len > 0 => {
                let at = rng.usize(0..len);
                out[at] ^= 1 << rng.u8(0..8);
            }
            1 if len > 0 => {
                let at = rng.usize(0..len);
                out[at] = INTERESTING[rng.usize(0..INTERESTING.len())];
            }
            2 => {
                let at = rng.usize(0..=len);
                out.insert(at, rng.u8(..));
            }
            3 if len > 0 => {
                let at = rng.usize(0..len);
                let end = (at + rng.usize(1..=8)).min(len);
                out.drain(at..end);
            }
            4 if len > 0 => {
                let at = rng.usize(0..len);
                let end = (at + rng.usize(1..=16)).min(len);
                let run = out[at..end].to_vec();
                let to = rng.usize(0..=out.len());
                out.splice(to..to, run);
            }
            5 if !pool.is_empty() => {
                let other = &pool[rng.usize(0..pool.len())];
                if !other.is_empty() {
                    let from = rng.usize(0..other.len());
                    let end = (from + rng.usize(1..=32)).min(other.len());
                    let to = rng.usize(0..=out.len());
                    out.splice(to..to, other[from..end].iter().copied());
                }
            }
            _ if len > 0 => {
                let at = rng.usize(0..len);
                out.truncate(at);
            }
            _ => out.push(rng.u8(..)),
        }
    }
    out.truncate(MAX_LEN);
    out
}

/// Random bytes, mostly short, sometimes printable.
pub fn random_input(rng: &mut fastrand::Rng) -> Vec<u8> {
    let len = if rng.bool() {
        rng.usize(0..64)
    } else {
        rng.usize(0..1024)
    };
    if rng.bool() {
        (0..len).map(|_| rng.u8(0x20..0x7f)).collect()
    } else {
        (0..len).map(|_| rng.u8(..)).collect()
    }
}
