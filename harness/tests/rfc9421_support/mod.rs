//! Test-side adapter over the library loader `aauth_harness::vectors::rfc9421` (format
//! `aauth-conform/rfc9421-vectors/1`, strict, described in `vectors/rfc9421/README.md`),
//! shared by the vector test and the `httpsig-hyper` differential test. The library returns
//! errors; here a broken vector file is a test failure, so the accessors panic with the
//! reason.
#![allow(dead_code)]
#![allow(clippy::unwrap_used)]

use std::ops::Deref;
use std::path::PathBuf;

use aauth_harness::jose::{PublicKey, SigningKey};
use aauth_harness::vectors::rfc9421;
// Each including test uses a different subset.
#[allow(unused_imports)]
pub use aauth_harness::vectors::rfc9421::{parse, Built, Check, KeyKind};

/// A loaded file whose accessors panic instead of returning errors.
pub struct VectorFile(pub rfc9421::VectorFile);

impl Deref for VectorFile {
    type Target = rfc9421::VectorFile;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl VectorFile {
    pub fn message(&self, id: &str) -> Built {
        self.0.message(id).unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn public_key(&self, id: &str) -> PublicKey {
        self.0.public_key(id).unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn signing_key(&self, id: &str) -> SigningKey {
        self.0.signing_key(id).unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn hmac_secret(&self, id: &str) -> Vec<u8> {
        self.0.hmac_secret(id).unwrap_or_else(|e| panic!("{e}"))
    }
}

pub fn vector_dir() -> PathBuf {
    rfc9421::default_dir()
}

/// Every vector file in `vectors/rfc9421`, parsed strictly and validated.
pub fn load_all() -> Vec<(PathBuf, VectorFile)> {
    rfc9421::load_dir(&vector_dir())
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|(p, f)| (p, VectorFile(f)))
        .collect()
}
