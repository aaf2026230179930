//! Streaming hashes of files and byte slices, as the manifest writes them.

use std::io::Read;
use std::path::Path;

use base64::Engine as _;
use sha2::{Digest, Sha256, Sha512};

use super::ModelError;

/// Lower-case hex SHA-256 of a byte slice.
#[must_use]
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lower-case hex SHA-256 of a file, read in chunks so large files cost no memory.
pub fn sha256_file(path: &Path) -> Result<String, ModelError> {
    let mut hasher = Sha256::new();
    stream(path, |chunk| hasher.update(chunk))?;
    Ok(hex(&hasher.finalize()))
}

/// npm's integrity string (`sha512-<base64>`) of a file.
pub fn npm_integrity_file(path: &Path) -> Result<String, ModelError> {
    let mut hasher = Sha512::new();
    stream(path, |chunk| hasher.update(chunk))?;
    Ok(format!(
        "sha512-{}",
        base64::engine::general_purpose::STANDARD.encode(hasher.finalize())
    ))
}

fn stream(path: &Path, mut each: impl FnMut(&[u8])) -> Result<(), ModelError> {
    let mut file = std::fs::File::open(path).map_err(|e| ModelError::io("cannot open", path, e))?;
    let mut buf = vec![0_u8; 1 << 20];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| ModelError::io("cannot read", path, e))?;
        if n == 0 {
            return Ok(());
        }
        each(&buf[..n]);
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"abc").unwrap();
        assert_eq!(sha256_file(&p).unwrap(), sha256_hex(b"abc"));
        assert!(
            npm_integrity_file(&p)
                .unwrap()
                .starts_with("sha512-3a81oZNherrMQXNJriBBMRLm")
        );
    }
}
