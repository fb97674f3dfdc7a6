//! Our AAuth request vectors: fixed keys and clock ([`fixtures`]), the file format
//! ([`mod@format`]), the generator ([`mod@generate`]) and the checker ([`check`]). The files live
//! under `vectors/aauth/` so implementations in any language can replay them; see
//! `vectors/README.md`.
//!
//! [`generate()`] writes the files; [`verify()`] regenerates them in memory and compares
//! byte for byte, then runs every vector through [`crate::verify::verify_request`] and
//! checks the verdict.

pub mod check;
pub mod fixtures;
pub mod format;
pub mod generate;

use std::path::{Path, PathBuf};

use format::{VectorFile, Verdict};

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

/// Counts for one generated file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSummary {
    /// The file written.
    pub path: PathBuf,
    /// Vectors in it.
    pub total: usize,
    /// `valid` vectors.
    pub valid: usize,
    /// `invalid` vectors.
    pub invalid: usize,
    /// `acceptable` vectors.
    pub acceptable: usize,
}

/// What [`generate()`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// One entry per file.
    pub files: Vec<FileSummary>,
}

/// What [`verify()`] found for one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileReport {
    /// The file checked.
    pub path: PathBuf,
    /// Whether the committed bytes equal the generator's output.
    pub identical: bool,
    /// Vectors in the committed file.
    pub total: usize,
    /// `valid` vectors.
    pub valid: usize,
    /// `invalid` vectors.
    pub invalid: usize,
    /// `acceptable` vectors.
    pub acceptable: usize,
    /// Vectors whose verdict the harness verifier reproduced.
    pub passed: usize,
    /// Vectors it did not.
    pub failed: usize,
    /// `id: reason` for each failure (and a line for a byte difference).
    pub failures: Vec<String>,
}

impl FileReport {
    /// True when the file is as generated and every vector passed.
    pub fn ok(&self) -> bool {
        self.identical && self.failed == 0 && self.failures.is_empty()
    }
}

/// The committed directory, `vectors/aauth` at the repository root.
pub fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("vectors")
        .join("aauth")
}

/// The exact text of the file for one profile.
pub fn render(file: &VectorFile) -> String {
    let mut text = serde_json::to_string_pretty(file).unwrap_or_default();
    text.push('\n');
    text
}

fn counts(file: &VectorFile) -> (usize, usize, usize) {
    let n = |v: Verdict| {
        file.vectors
            .iter()
            .filter(|x| x.expected.result == v)
            .count()
    };
    (
        n(Verdict::Valid),
        n(Verdict::Invalid),
        n(Verdict::Acceptable),
    )
}

/// Write every vector file into `dir` (normally [`default_dir`]), creating it.
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
        let (valid, invalid, acceptable) = counts(&file);
        files.push(FileSummary {
            path,
            total: file.vectors.len(),
            valid,
            invalid,
            acceptable,
        });
    }
    Ok(Summary { files })
}

/// Check the committed files in `dir`: each must equal the generator's output byte for
/// byte and load strictly, and every vector must get its expected verdict from the harness
/// verifier.
pub fn verify(dir: &Path) -> Result<Vec<FileReport>, VectorError> {
    let mut reports = Vec::new();
    for (name, profile) in generate::FILES {
        let path = dir.join(name);
        let committed = std::fs::read_to_string(&path).map_err(|source| VectorError::Io {
            path: path.clone(),
            source,
        })?;
        let fresh = render(&generate::build_file(profile)?);
        let file: VectorFile =
            serde_json::from_str(&committed).map_err(|e| VectorError::Format {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        if file.format != format::FORMAT {
            return Err(VectorError::Format {
                path,
                reason: format!("format is {:?}, expected {:?}", file.format, format::FORMAT),
            });
        }
        let identical = committed == fresh;
        let mut failures = Vec::new();
        if !identical {
            failures.push(format!(
                "{name} differs from the generator's output: regenerate with `aauth-conform vectors generate`"
            ));
        }
        let mut passed = 0;
        let mut failed = 0;
        for vector in &file.vectors {
            match check::check_vector(vector) {
                Ok(()) => passed += 1,
                Err(reason) => {
                    failed += 1;
                    failures.push(format!("{}: {reason}", vector.id));
                }
            }
        }
        let (valid, invalid, acceptable) = counts(&file);
        reports.push(FileReport {
            path,
            identical,
            total: file.vectors.len(),
            valid,
            invalid,
            acceptable,
            passed,
            failed,
            failures,
        });
    }
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

    /// Every verifier flaw makes at least one vector fail, except the two that need state
    /// across requests (covered by the verifier's own tests).
    #[test]
    fn the_vectors_catch_every_stateless_verifier_flaw() {
        use crate::role::flaw::{Flaw, Flaws};
        let files =
            [super::generate::build_file(crate::profile::Profile::Aauth11).expect("builds")];
        let stateful = [Flaw::NoCnfBinding, Flaw::NoRefetchFloor];
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
