//! The test vectors under `vectors/`, as library code so `cargo test` and
//! `aauth-conform vectors` check them the same way. Three families ([`Family`]):
//!
//! - `aauth/`: our AAuth request vectors: fixed keys and clock ([`fixtures`]), the file
//!   format ([`mod@format`]), the generator ([`mod@generate`]) and the checker ([`check`]).
//!   [`generate()`] writes the files; [`verify()`] regenerates them in memory and compares
//!   byte for byte, then runs every vector through [`crate::verify::verify_request`] and
//!   checks the verdict.
//! - `rfc9421/`: RFC 9421 Appendix B, loaded and checked by [`rfc9421`].
//! - `jose/`: RFC 7638 and RFC 8037 examples and the derived agent token, by [`jose`].
//!
//! [`verify_all`] checks every family under one root and returns one [`FileReport`] per
//! file. A vector that fails is a report entry; a file that is missing, unreadable or does
//! not follow its format is a [`VectorError`], because then nothing about it can be
//! counted. See `vectors/README.md` for the formats.

pub mod check;
pub mod fixtures;
pub mod format;
pub mod generate;
pub mod jose;
pub mod report;
pub mod rfc9421;

use std::path::{Path, PathBuf};

use format::{VectorFile, Verdict};
pub use report::{Family, FileReport, VectorFailure, VerdictCounts};

/// Why vectors could not be generated or checked (not: a vector that fails, which is a
/// [`FileReport`] failure).
#[derive(Debug, thiserror::Error)]
pub enum VectorError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A committed file does not follow the format.
    #[error("{path}: not a vector file: {reason}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The generator failed (a harness bug).
    #[error(transparent)]
    Generate(#[from] generate::GenerateError),
}

impl VectorError {
    /// `path` does not follow its format, because of `reason`.
    pub fn format(path: &Path, reason: impl std::fmt::Display) -> Self {
        VectorError::Format {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        }
    }

    /// True when the committed data is at fault (missing, unreadable, malformed), false
    /// when the harness itself failed.
    pub fn is_data_error(&self) -> bool {
        !matches!(self, VectorError::Generate(_))
    }
}

/// Read a vector file as text.
fn read(path: &Path) -> Result<String, VectorError> {
    std::fs::read_to_string(path).map_err(|source| VectorError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The `*.json` files directly in `dir`, sorted.
fn json_files(dir: &Path) -> Result<Vec<PathBuf>, VectorError> {
    let entries = std::fs::read_dir(dir).map_err(|source| VectorError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|source| VectorError::Io {
                path: dir.to_path_buf(),
                source,
            })?
            .path();
        if path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Counts for one generated file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSummary {
    /// The file written.
    pub path: PathBuf,
    /// Vectors in it.
    pub total: usize,
    /// Their expected verdicts.
    pub verdicts: VerdictCounts,
}

/// What [`generate()`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// One entry per file.
    pub files: Vec<FileSummary>,
}

/// The committed vectors, `vectors/` at the repository root (next to this crate).
pub fn default_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("vectors")
}

/// The committed AAuth vectors, `vectors/aauth` at the repository root.
pub fn default_dir() -> PathBuf {
    default_root().join(Family::Aauth.as_str())
}

/// The exact text of the file for one profile.
pub fn render(file: &VectorFile) -> String {
    let mut text = serde_json::to_string_pretty(file).unwrap_or_default();
    text.push('\n');
    text
}

fn counts(file: &VectorFile) -> VerdictCounts {
    let n = |v: Verdict| {
        file.vectors
            .iter()
            .filter(|x| x.expected.result == v)
            .count()
    };
    VerdictCounts {
        valid: n(Verdict::Valid),
        invalid: n(Verdict::Invalid),
        acceptable: n(Verdict::Acceptable),
    }
}

/// Write every AAuth vector file into `dir` (normally [`default_dir`]), creating it.
pub fn generate(dir: &Path) -> Result<Summary, VectorError> {
    std::fs::create_dir_all(dir).map_err(|source| VectorError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files = Vec::new();
    for (name, profile) in generate::FILES {
        let file = generate::build_file(profile)?;
        let path = dir.join(name);
        std::fs::write(&path, render(&file)).map_err(|source| VectorError::Io {
            path: path.clone(),
            source,
        })?;
        files.push(FileSummary {
            path,
            total: file.vectors.len(),
            verdicts: counts(&file),
        });
    }
    Ok(Summary { files })
}

/// Check the committed AAuth files in `dir`: each must equal the generator's output byte
/// for byte and load strictly, and every vector must get its expected verdict from the
/// harness verifier. No other `*.json` may sit beside them.
pub fn verify(dir: &Path) -> Result<Vec<FileReport>, VectorError> {
    for path in json_files(dir)? {
        let known = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| generate::FILES.iter().any(|(name, _)| *name == n));
        if !known {
            return Err(VectorError::format(
                &path,
                "not a generated AAuth vector file (`vectors generate` writes only aauth-11.json and aauth-10.json)",
            ));
        }
    }
    let mut reports = Vec::new();
    for (name, profile) in generate::FILES {
        let path = dir.join(name);
        let committed = read(&path)?;
        let file: VectorFile =
            serde_json::from_str(&committed).map_err(|e| VectorError::format(&path, e))?;
        if file.format != format::FORMAT {
            return Err(VectorError::format(
                &path,
                format!("format is {:?}, expected {:?}", file.format, format::FORMAT),
            ));
        }
        let fresh = render(&generate::build_file(profile)?);
        let mut report = FileReport::new(Family::Aauth, path);
        report.identical = Some(committed == fresh);
        report.verdicts = Some(counts(&file));
        if committed != fresh {
            report.file_problem(
                "differs from the generator's output: regenerate with `aauth-conform vectors generate`"
                    .to_string(),
            );
        }
        for vector in &file.vectors {
            report.record(&vector.id, check::check_vector(vector));
        }
        reports.push(report);
    }
    Ok(reports)
}

/// Check every family under `root` (normally [`default_root`]): `aauth/`, `rfc9421/`
/// and `jose/`, one report per file, in [`Family::ALL`] order.
pub fn verify_all(root: &Path) -> Result<Vec<FileReport>, VectorError> {
    let mut reports = verify(&root.join(Family::Aauth.as_str()))?;
    reports.extend(rfc9421::verify_dir(&root.join(Family::Rfc9421.as_str()))?);
    reports.extend(jose::verify_dir(&root.join(Family::Jose.as_str()))?);
    Ok(reports)
}

#[cfg(test)]
mod tests {
    use super::fixtures::{ps_post, resource_get, Credential, World};
    use super::generate::{DERIVED_AGENT_TOKEN, DERIVED_V1_SIGNATURE, DERIVED_V2_SIGNATURE};
    use crate::message::Fields;
    use crate::profile::Profile;
    use crate::role::Role;

    /// Our fixtures reproduce requirements §5.4 byte for byte.
    #[test]
    fn fixtures_reproduce_the_derived_vectors() {
        let world = World::ed25519(Profile::Aauth11);
        let token = world.token(Credential::Agent, None);
        assert_eq!(token, DERIVED_AGENT_TOKEN);
        let v1 = world
            .sign(&resource_get(), &token, Role::Resource, None)
            .expect("v1");
        assert_eq!(
            v1.header("signature").as_deref(),
            Some(DERIVED_V1_SIGNATURE)
        );
        let v2 = world
            .sign(&ps_post(), &token, Role::PersonServer, None)
            .expect("v2");
        assert_eq!(
            v2.header("signature").as_deref(),
            Some(DERIVED_V2_SIGNATURE)
        );
    }

    /// Every verifier flaw makes at least one vector fail, except those that need state
    /// across requests (covered by the verifier's own tests and the suite).
    #[test]
    fn the_vectors_catch_every_stateless_verifier_flaw() {
        use crate::role::flaw::{Flaw, Flaws};
        let files =
            [super::generate::build_file(crate::profile::Profile::Aauth11).expect("builds")];
        let stateful = [
            Flaw::NoCnfBinding,
            Flaw::NoRefetchFloor,
            Flaw::JwksNoRefreshUnknownKid,
            Flaw::JwksNoRefreshRekeyedKid,
        ];
        let verifier_level = Flaw::ALL.iter().filter(|f| {
            (f.requirement().starts_with("SIG-") || f.requirement().starts_with("TOK-"))
                && **f != Flaw::ForbiddenWithSignatureError
                && !stateful.contains(f)
        });
        for flaw in verifier_level {
            // Vectors for the flaw's own requirement first, so the search ends early.
            let mut candidates: Vec<&super::format::Vector> =
                files.iter().flat_map(|f| f.vectors.iter()).collect();
            candidates.sort_by_key(|v| v.requirement != flaw.requirement());
            let caught = candidates
                .iter()
                .any(|v| super::check::check_vector_with(v, &Flaws::one(*flaw)).is_err());
            assert!(caught, "no vector catches {}", flaw.id());
        }
    }

    #[test]
    fn generation_is_deterministic_and_every_vector_passes() {
        for (_, profile) in super::generate::FILES {
            let a = super::render(&super::generate::build_file(profile).expect("builds"));
            let b = super::render(&super::generate::build_file(profile).expect("builds"));
            assert_eq!(a, b);
            let file: super::format::VectorFile = serde_json::from_str(&a).expect("loads");
            let mut ids = std::collections::HashSet::new();
            for v in &file.vectors {
                assert!(ids.insert(v.id.clone()), "duplicate id {}", v.id);
                if let Err(e) = super::check::check_vector(v) {
                    panic!("{}: {e}", v.id);
                }
            }
        }
    }
}
