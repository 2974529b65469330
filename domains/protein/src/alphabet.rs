//! The 20-letter amino-acid alphabet in the published order, and its lookup.

/// The 20 standard amino acids, in the order used by the one-hot layout and all metrics.
pub const ALPHABET: &[u8; 20] = b"ACDEFGHIKLMNPQRSTVWY";

/// Number of letters in [`ALPHABET`].
pub const N_AA: usize = 20;

/// Index of an uppercase residue in [`ALPHABET`]; `None` for gaps, `X`, `B`, `Z`, `*`, lowercase, ….
pub fn residue_index(c: u8) -> Option<usize> {
    LOOKUP[c as usize]
}

const LOOKUP: [Option<usize>; 256] = {
    let mut table = [None; 256];
    let mut i = 0;
    while i < N_AA {
        table[ALPHABET[i] as usize] = Some(i);
        i += 1;
    }
    table
};
