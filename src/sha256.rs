//! Content hashes as the manifest writes them, `sha256:<hex>`: checkable
//! with `sha256sum`, and what sync compares files by.

use sha2::{Digest, Sha256};

/// `sha256:<hex>` of `content`.
pub fn hash(content: &[u8]) -> String {
    hex(&digest(content))
}

/// The SHA-256 of `content`, as [`hex`] writes it into the manifest: 32
/// bytes where the text takes 71 and an allocation of its own.
pub(crate) fn digest(content: &[u8]) -> [u8; 32] {
    Sha256::digest(content).into()
}

/// A digest as the manifest writes it: `sha256:<hex>`. (Digit by digit, as
/// `write!` per byte was a measurable share of a run that only hashes.)
pub(crate) fn hex(digest: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(7 + 2 * digest.len());
    hex.push_str("sha256:");
    for byte in digest {
        hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
        hex.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_sha256_hex() {
        assert_eq!(
            hash(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
