//! Reading the raw bytes of a price file, plain or gzip (detected by the magic bytes `1f 8b`,
//! not by the file name).

use std::io::Read;
use std::path::Path;

use flate2::read::MultiGzDecoder;

use crate::error::FinanceError;

/// The decompressed content of a file and whether it was gzip-compressed.
pub struct Source {
    pub bytes: Vec<u8>,
    pub gzip: bool,
}

/// Reads `path` entirely, decompressing gzip (including multi-member streams).
pub fn read_source(path: &Path) -> Result<Source, FinanceError> {
    let raw = std::fs::read(path).map_err(|source| FinanceError::Io { path: path.to_path_buf(), source })?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        // Compressed daily price files are a few times smaller than their content.
        let mut bytes = Vec::with_capacity(raw.len() * 4);
        MultiGzDecoder::new(raw.as_slice())
            .read_to_end(&mut bytes)
            .map_err(|source| FinanceError::Gzip { path: path.to_path_buf(), source })?;
        Ok(Source { bytes, gzip: true })
    } else {
        Ok(Source { bytes: raw, gzip: false })
    }
}
