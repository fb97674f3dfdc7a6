//! A certificate authority made fresh for each run, so targets can reach `*.harness.test`
//! over real TLS (through the CONNECT proxy) and trust nothing else from us.
//!
//! The CA certificate carries a name constraint that permits only `harness.test` and the
//! names below it: if its PEM file ends up in some trust store by mistake, it still cannot
//! vouch for any real site. Its private key never leaves memory. Leaf certificates are minted
//! on first use per host name and cached.
//!
//! The PEM is written to a private scratch file ([`CaFile`]) whose path is what targets get in
//! `AAUTH_HARNESS_CA`, `SSL_CERT_FILE`, `NODE_EXTRA_CA_CERTS` and `REQUESTS_CA_BUNDLE`; the file
//! and its directory are removed when the `CaFile` is dropped.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, GeneralSubtree, IsCa,
    KeyPair, KeyUsagePurpose, NameConstraints,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::sign::CertifiedKey;

use super::routes::HARNESS_DOMAIN;

/// Why the CA could not make or store a certificate. Always the harness's own problem.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    /// rcgen refused the parameters or failed to sign.
    #[error("certificate generation failed: {0}")]
    Generate(#[from] rcgen::Error),
    /// rustls refused the generated key.
    #[error("generated key unusable by rustls: {0}")]
    Key(#[from] rustls::Error),
    /// The PEM file could not be written.
    #[error("cannot write CA file {path}: {source}")]
    Write {
        /// Where the file was to go.
        path: PathBuf,
        /// The underlying failure.
        source: std::io::Error,
    },
    /// A leaf was requested for a name outside `harness.test`.
    #[error("refusing to issue a certificate for {0:?}: not under .{HARNESS_DOMAIN}")]
    NameOutsideDomain(String),
}

/// The run's certificate authority and its cache of leaf certificates.
pub struct LocalCa {
    cert: rcgen::Certificate,
    key: KeyPair,
    leaves: Mutex<HashMap<String, Arc<CertifiedKey>>>,
}

impl fmt::Debug for LocalCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalCa")
            .field("subject", &"aauth-conform harness CA")
            .finish_non_exhaustive()
    }
}

impl LocalCa {
    /// A new CA with a fresh P-256 key, constrained to `harness.test`.
    pub fn generate() -> Result<LocalCa, CaError> {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params
            .distinguished_name
            .push(DnType::CommonName, "aauth-conform harness CA");
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params.name_constraints = Some(NameConstraints {
            permitted_subtrees: vec![GeneralSubtree::DnsName(HARNESS_DOMAIN.to_string())],
            excluded_subtrees: Vec::new(),
        });
        let key = KeyPair::generate()?;
        let cert = params.self_signed(&key)?;
        Ok(LocalCa {
            cert,
            key,
            leaves: Mutex::default(),
        })
    }

    /// The CA certificate in PEM, for trust stores.
    pub fn pem(&self) -> String {
        self.cert.pem()
    }

    /// The CA certificate in DER, for building a rustls root store.
    pub fn der(&self) -> CertificateDer<'static> {
        self.cert.der().clone()
    }

    /// A certificate and key for `host` (which must be under `harness.test`), minted on first
    /// use and cached. The chain holds the leaf then the CA.
    pub fn leaf(&self, host: &str) -> Result<Arc<CertifiedKey>, CaError> {
        let host = host.to_ascii_lowercase();
        if !host.ends_with(&format!(".{HARNESS_DOMAIN}")) {
            return Err(CaError::NameOutsideDomain(host));
        }
        let mut leaves = self.leaves.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = leaves.get(&host) {
            return Ok(found.clone());
        }
        let mut params = CertificateParams::new(vec![host.clone()])?;
        params.distinguished_name.push(DnType::CommonName, &host);
        params.use_authority_key_identifier_extension = true;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.cert, &self.key)?;
        let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let signer = rustls::crypto::ring::sign::any_supported_type(&der)?;
        let certified = Arc::new(CertifiedKey::new(
            vec![cert.der().clone(), self.cert.der().clone()],
            signer,
        ));
        leaves.insert(host, certified.clone());
        Ok(certified)
    }

    /// Write the CA certificate to a fresh private scratch file.
    pub fn write_file(&self) -> Result<CaFile, CaError> {
        CaFile::create(&self.pem())
    }
}

/// The CA's PEM on disk, in a scratch directory of its own that is removed on drop.
#[derive(Debug)]
pub struct CaFile {
    dir: PathBuf,
    path: PathBuf,
}

impl CaFile {
    fn create(pem: &str) -> Result<CaFile, CaError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let base = std::env::temp_dir();
        let mut last_error = None;
        for _ in 0..16 {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0);
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let dir = base.join(format!(
                "aauth-conform-ca-{}-{n}-{nanos}",
                std::process::id()
            ));
            match std::fs::create_dir(&dir) {
                Ok(()) => {
                    let path = dir.join("harness-ca.pem");
                    return match std::fs::write(&path, pem) {
                        Ok(()) => Ok(CaFile { dir, path }),
                        Err(source) => {
                            let _ = std::fs::remove_dir_all(&dir);
                            Err(CaError::Write { path, source })
                        }
                    };
                }
                Err(e) => last_error = Some((dir, e)),
            }
        }
        let (path, source) = last_error.unwrap_or_else(|| {
            (
                base.clone(),
                std::io::Error::other("no scratch directory attempt made"),
            )
        });
        Err(CaError::Write { path, source })
    }

    /// Path of the PEM file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for CaFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_are_cached_and_limited_to_the_harness_domain() {
        let ca = LocalCa::generate().expect("ca");
        let a = ca.leaf("ap.harness.test").expect("leaf");
        let b = ca.leaf("AP.harness.test").expect("leaf");
        assert!(Arc::ptr_eq(&a, &b));
        assert!(ca.leaf("example.com").is_err());
        let file = ca.write_file().expect("file");
        let text = std::fs::read_to_string(file.path()).expect("read");
        assert!(text.starts_with("-----BEGIN CERTIFICATE-----"));
        let path = file.path().to_path_buf();
        drop(file);
        assert!(!path.exists());
    }
}
