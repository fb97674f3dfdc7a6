//! Strict base64url without padding (RFC 7515 §2, RFC 4648 §5).
//!
//! JOSE allows exactly one spelling of any byte string: the URL-safe alphabet, no `=` padding,
//! and unused bits of the last symbol set to zero. A verifier that accepts other spellings lets
//! one token travel under several encodings, which defeats byte comparison of tokens and keys.
//! The decoder here rejects every other spelling and says what was wrong and where, so a
//! report can show the offending byte.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// Why a string is not canonical unpadded base64url.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum B64Error {
    /// A `=` padding character, which JOSE forbids.
    #[error("padding character '=' at offset {offset}")]
    Padding {
        /// Byte offset of the first `=`.
        offset: usize,
    },
    /// A byte outside `A-Z a-z 0-9 - _` (for example `+`, `/`, whitespace).
    #[error("byte 0x{byte:02x} at offset {offset} is not in the base64url alphabet")]
    InvalidByte {
        /// Byte offset in the input.
        offset: usize,
        /// The byte found there.
        byte: u8,
    },
    /// A length that leaves a single dangling symbol (length ≡ 1 mod 4), which encodes no byte.
    #[error("length {len} is impossible for base64url (leaves one dangling symbol)")]
    Length {
        /// Input length in bytes.
        len: usize,
    },
    /// The last symbol carries non-zero bits that encode nothing: a second spelling of the
    /// same bytes.
    #[error("last symbol has non-zero unused bits (non-canonical encoding)")]
    NonCanonical,
}

fn in_alphabet(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// Encode bytes as unpadded base64url.
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decode canonical unpadded base64url; anything else is an error.
pub fn decode(s: &str) -> Result<Vec<u8>, B64Error> {
    // The engine's configuration (URL-safe alphabet, padding refused, unused bits required to
    // be zero) accepts exactly the canonical spellings, so its success is the answer; the
    // input is scanned only when it refuses, to say what is wrong and where.
    match URL_SAFE_NO_PAD.decode(s) {
        Ok(decoded) => Ok(decoded),
        Err(_) => Err(diagnose(s)),
    }
}

/// Why `s` is not canonical unpadded base64url, for a string the engine refused.
fn diagnose(s: &str) -> B64Error {
    match decode_checked(s) {
        Err(e) => e,
        // Unreachable while the engine and the checks agree (a test holds them to it).
        Ok(_) => B64Error::NonCanonical,
    }
}

/// The checks one by one, then the engine: the reference [`decode`] must agree with.
fn decode_checked(s: &str) -> Result<Vec<u8>, B64Error> {
    let bytes = s.as_bytes();
    for (offset, &byte) in bytes.iter().enumerate() {
        if byte == b'=' {
            return Err(B64Error::Padding { offset });
        }
        if !in_alphabet(byte) {
            return Err(B64Error::InvalidByte { offset, byte });
        }
    }
    if bytes.len() % 4 == 1 {
        return Err(B64Error::Length { len: bytes.len() });
    }
    // The alphabet and length are now known good, so the engine can only object to the
    // trailing bits (its default configuration rejects them).
    URL_SAFE_NO_PAD
        .decode(bytes)
        .map_err(|_| B64Error::NonCanonical)
}

/// Decode and require an exact length (keys, coordinates, signatures).
pub fn decode_exact<const N: usize>(s: &str) -> Result<[u8; N], B64LengthError> {
    let v = decode(s).map_err(B64LengthError::Encoding)?;
    let len = v.len();
    v.try_into()
        .map_err(|_| B64LengthError::WrongLength { want: N, got: len })
}

/// Why a fixed-size value could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum B64LengthError {
    /// Not canonical base64url.
    #[error(transparent)]
    Encoding(B64Error),
    /// Decoded to the wrong number of bytes.
    #[error("decoded to {got} bytes, expected {want}")]
    WrongLength {
        /// Expected length.
        want: usize,
        /// Actual length.
        got: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engine_accepts_exactly_what_the_checks_accept() {
        // Every string of up to five symbols over an alphabet holding each kind of fault:
        // good symbols whose low bits differ, padding, the standard alphabet, whitespace.
        let symbols = [b'A', b'B', b'Q', b'g', b'_', b'-', b'=', b'+', b'/', b' '];
        let mut inputs = vec![Vec::new()];
        for _ in 0..5 {
            let longer: Vec<Vec<u8>> = inputs
                .iter()
                .flat_map(|s| {
                    symbols.iter().map(move |&c| {
                        let mut t = s.clone();
                        t.push(c);
                        t
                    })
                })
                .collect();
            for s in &longer {
                let text = std::str::from_utf8(s).unwrap();
                assert_eq!(decode(text), decode_checked(text), "{text:?}");
            }
            inputs = longer;
        }
    }

    #[test]
    fn round_trips_every_length_up_to_a_few_blocks() {
        for len in 0..40u8 {
            let data: Vec<u8> = (0..len).map(|i| i.wrapping_mul(37)).collect();
            let enc = encode(&data);
            assert!(!enc.contains('='));
            assert_eq!(decode(&enc).unwrap(), data);
        }
    }

    #[test]
    fn rejects_padding_with_its_offset() {
        assert_eq!(decode("QQ=="), Err(B64Error::Padding { offset: 2 }));
    }

    #[test]
    fn rejects_standard_alphabet_and_whitespace() {
        assert_eq!(
            decode("ab+c"),
            Err(B64Error::InvalidByte {
                offset: 2,
                byte: b'+'
            })
        );
        assert_eq!(
            decode("ab/c"),
            Err(B64Error::InvalidByte {
                offset: 2,
                byte: b'/'
            })
        );
        assert_eq!(
            decode("ab c"),
            Err(B64Error::InvalidByte {
                offset: 2,
                byte: b' '
            })
        );
        assert!(matches!(
            decode("é"),
            Err(B64Error::InvalidByte { offset: 0, .. })
        ));
    }

    #[test]
    fn rejects_a_dangling_symbol() {
        assert_eq!(decode("QUJDR"), Err(B64Error::Length { len: 5 }));
    }

    #[test]
    fn rejects_non_zero_trailing_bits() {
        // "QQ" is the canonical spelling of "A"; "QR" sets an unused bit.
        assert_eq!(decode("QQ").unwrap(), b"A");
        assert_eq!(decode("QR"), Err(B64Error::NonCanonical));
        assert_eq!(decode("QUI").unwrap(), b"AB");
        assert_eq!(decode("QUJ"), Err(B64Error::NonCanonical));
    }

    #[test]
    fn exact_length_is_enforced() {
        assert_eq!(decode_exact::<1>("QQ"), Ok([b'A']));
        assert_eq!(
            decode_exact::<2>("QQ"),
            Err(B64LengthError::WrongLength { want: 2, got: 1 })
        );
    }
}
