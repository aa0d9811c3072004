//! The audit options of `run` (`--linkage`, `--recipient`, `--manifest`, `--sign`,
//! `--coverage`): parsing them into the [`Audit`] sinks before the run, and finishing
//! the sinks after it. No audit logic lives here: see `crate::audit`.

use std::path::{Path, PathBuf};

use clap::Args;

use super::ExitStatus;
use crate::audit::linkage::{self, Header, LinkageWriter};
use crate::audit::manifest::{self, Code, Manifest, ManifestBuilder, ProfileHash};
use crate::audit::{Audit, Coverage, shard_path};
use crate::engine::Keys;
use crate::io::walk::{Shard, absolute};
use crate::plan::Plan;
use crate::source::SourceMap;

/// `run`'s audit options.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Audit")]
pub struct AuditArgs {
    /// Write every original -> new mapping (IDs, names, accession numbers, UIDs, date shifts), encrypted with age to the --recipient keys (with --shard K/N: FILE.K-of-N.EXT)
    #[arg(long, value_name = "FILE")]
    pub linkage: Option<PathBuf>,
    /// An age X25519 public key (`age1…`, from `age-keygen`) that can decrypt the linkage file (repeatable)
    #[arg(long, value_name = "PUBKEY")]
    pub recipient: Vec<String>,
    /// Where the run manifest goes (default: DST/manifest.json; with --shard K/N: DST/manifest.K-of-N.json)
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Do not write a manifest
    #[arg(long, conflicts_with_all = ["manifest", "sign"])]
    pub no_manifest: bool,
    /// Sign the manifest with this ed25519 private key (PKCS#8 PEM, e.g. from `openssl genpkey -algorithm ed25519`)
    #[arg(long, value_name = "KEYFILE")]
    pub sign: Option<PathBuf>,
    /// Write what the profile left undecided (attributes kept by `default keep`, private blocks, SOP classes, transfer syntaxes, outcomes) as JSON; also with --dry-run
    #[arg(long, value_name = "FILE.json")]
    pub coverage: Option<PathBuf>,
}

/// What `run` knows when it builds the sinks.
pub struct RunContext<'a> {
    pub plan: &'a Plan,
    pub sources: &'a SourceMap,
    pub keys: &'a Keys,
    pub shard: Option<Shard>,
    pub src: &'a Path,
    pub dst: &'a Path,
    /// The source of the input whose output would be this absolute path, if any.
    pub source_writing: &'a (dyn Fn(&Path) -> Option<PathBuf> + 'a),
    pub dry_run: bool,
    pub overwrite: bool,
    pub hide_sources: bool,
    /// Other files `run` writes (the report), to list as artifacts.
    pub report: Option<&'a Path>,
}

impl std::fmt::Debug for RunContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunContext")
            .field("src", &self.src)
            .field("dst", &self.dst)
            .field("shard", &self.shard)
            .finish_non_exhaustive()
    }
}

/// The sinks, and where their files go.
#[derive(Debug)]
pub struct Sinks {
    pub audit: Audit,
    manifest_path: Option<PathBuf>,
    /// the manifest was asked for (`--manifest`, `--sign`): say where it went
    manifest_asked: bool,
    coverage_path: Option<PathBuf>,
    sign: Option<PathBuf>,
    dst_root: PathBuf,
    artifacts: Vec<PathBuf>,
}

/// The CID 7050 codes the plan satisfies: what the compiler derived by comparing the
/// plan with PS3.15 Table E.1-1 (the codes the engine writes into (0012,0064)).
pub fn satisfied_codes(plan: &Plan) -> Vec<Code> {
    plan.claims()
        .codes()
        .iter()
        .map(|o| Code {
            code: o.code().to_string(),
            meaning: o.meaning().to_string(),
        })
        .collect()
}

fn usage(msg: impl std::fmt::Display) -> ExitStatus {
    say!("error: {msg}");
    ExitStatus::Usage
}

/// The folder outputs are relative to: DST when it is (or will be) a folder, else its
/// parent. `None` when DST is the output file itself.
fn dst_folder(src: &Path, dst: &Path) -> Option<PathBuf> {
    if src.is_dir() || dst.is_dir() {
        Some(dst.to_path_buf())
    } else {
        None
    }
}

impl AuditArgs {
    /// Builds the sinks; on a usage error prints it.
    pub fn sinks(&self, cx: &RunContext<'_>) -> Result<Sinks, ExitStatus> {
        let shard = cx.shard.map(|s| (s.index, s.count));
        let shard_text = cx.shard.map(|s| format!("{}/{}", s.index, s.count));
        let folder = dst_folder(cx.src, cx.dst);
        let dst_root = folder.clone().unwrap_or_else(|| {
            cx.dst
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf()
        });
        let src_root = if cx.src.is_dir() {
            cx.src.to_path_buf()
        } else {
            cx.src
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf()
        };
        if cx.dry_run && (self.linkage.is_some() || self.manifest.is_some() || self.sign.is_some())
        {
            return Err(usage(
                "--dry-run writes nothing: --linkage, --manifest and --sign need a real run (--coverage works with it)",
            ));
        }
        if !self.recipient.is_empty() && self.linkage.is_none() {
            return Err(usage("--recipient needs --linkage FILE"));
        }
        let manifest_path = if cx.dry_run || self.no_manifest {
            None
        } else {
            match (&self.manifest, &folder) {
                (Some(p), _) => Some(shard_path(p, shard)),
                (None, Some(f)) => Some(shard_path(&f.join("manifest.json"), shard)),
                (None, None) => {
                    if self.sign.is_some() {
                        return Err(usage(
                            "DST is a file: give the manifest a place with --manifest FILE",
                        ));
                    }
                    None
                }
            }
        };
        let linkage_path = self.linkage.as_deref().map(|p| shard_path(p, shard));
        // no output may take the name of a file the audit writes
        let ours: Vec<(&str, PathBuf)> = [
            ("manifest", manifest_path.clone()),
            ("linkage file", linkage_path.clone()),
            ("coverage report", self.coverage.clone()),
        ]
        .into_iter()
        .filter_map(|(what, p)| p.map(|p| (what, absolute(&p))))
        .collect();
        for (what, p) in &ours {
            if let Some(src) = (cx.source_writing)(p) {
                return Err(usage(format_args!(
                    "the output of `{}` would be the {what} `{}`: choose another place for it",
                    src.display(),
                    p.display()
                )));
            }
        }
        if let Some(key) = &self.sign {
            // a key that cannot sign is found before any file is written
            let mut probe = Manifest {
                format: String::new(),
                version: 0,
                tool: String::new(),
                profiles: Vec::new(),
                plan_sha256: String::new(),
                deidentification_codes: Vec::new(),
                key_fingerprint: String::new(),
                random_key: false,
                shard: None,
                artifacts: Vec::new(),
                files: Vec::new(),
                signature: None,
            };
            probe
                .sign(key)
                .map_err(|e| usage(crate::batch::error_chain(&e)))?;
        }
        let mut audit = Audit::default();
        let mut artifacts = Vec::new();
        if let Some(path) = &linkage_path {
            let recipients = linkage::parse_recipients(&self.recipient)
                .map_err(|e| usage(crate::batch::error_chain(&e)))?;
            let header = Header {
                format: linkage::FORMAT.into(),
                version: 1,
                tool: format!("dicom-anonymizer {}", env!("CARGO_PKG_VERSION")),
                key_fingerprint: cx.keys.fingerprint(),
                shard: shard_text.clone(),
            };
            let w = LinkageWriter::create(path, &recipients, &header, cx.overwrite)
                .map_err(|e| usage(crate::batch::error_chain(&e)))?;
            audit.linkage = Some(w);
            artifacts.push(path.clone());
        }
        if let Some(p) = &self.coverage {
            audit.coverage = Some(Coverage::new());
            artifacts.push(p.clone());
        }
        if let Some(p) = cx.report {
            artifacts.push(p.to_path_buf());
        }
        if manifest_path.is_some() {
            let profiles = cx
                .sources
                .ids()
                .map(|id| ProfileHash {
                    name: cx.sources.name(id).to_string(),
                    sha256: crate::audit::sha256_bytes(cx.sources.text(id).as_bytes()),
                })
                .collect();
            let head = Manifest {
                format: manifest::FORMAT.into(),
                version: 1,
                tool: format!("dicom-anonymizer {}", env!("CARGO_PKG_VERSION")),
                profiles,
                plan_sha256: crate::audit::sha256_bytes(cx.plan.to_table().as_bytes()),
                deidentification_codes: satisfied_codes(cx.plan),
                key_fingerprint: cx.keys.fingerprint(),
                random_key: cx.keys.is_random(),
                shard: shard_text,
                artifacts: Vec::new(),
                files: Vec::new(),
                signature: None,
            };
            // the entries wait on disk next to the manifest until the run ends
            let spill_dir = manifest_path
                .as_deref()
                .and_then(Path::parent)
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            audit.manifest = Some(
                ManifestBuilder::new(
                    head,
                    &src_root,
                    &dst_root,
                    cx.hide_sources.then(|| cx.keys.clone()),
                )
                .spill_in(spill_dir),
            );
        }
        Ok(Sinks {
            audit,
            manifest_path,
            manifest_asked: self.manifest.is_some() || self.sign.is_some(),
            coverage_path: self.coverage.clone(),
            sign: self.sign.clone(),
            dst_root,
            artifacts,
        })
    }
}

impl Sinks {
    /// Finishes every sink (linkage, coverage, then the manifest that lists them) and
    /// prints what it wrote; `false` if any of them failed.
    pub fn finish(self) -> bool {
        let mut ok = true;
        let Sinks {
            audit,
            manifest_path,
            manifest_asked,
            coverage_path,
            sign,
            dst_root,
            artifacts,
        } = self;
        if let Some(l) = audit.linkage {
            let path = l.path().to_path_buf();
            match l.finish() {
                Ok(rows) => say!("linkage: {rows} mappings encrypted to `{}`", path.display()),
                Err(e) => {
                    say!("error: {}", crate::batch::error_chain(&e));
                    ok = false;
                }
            }
        }
        if let (Some(c), Some(path)) = (audit.coverage, coverage_path) {
            let report = c.report();
            eprint!("{}", report.summary());
            let written = serde_json::to_vec_pretty(&report)
                .map_err(std::io::Error::other)
                .and_then(|json| std::fs::write(&path, json));
            if let Err(e) = written {
                say!(
                    "error: cannot write the coverage report `{}`: {e}",
                    path.display()
                );
                ok = false;
            }
        }
        if let (Some(m), Some(path)) = (audit.manifest, manifest_path) {
            let abs_root = absolute(&dst_root);
            let arts = artifacts
                .iter()
                .map(|a| absolute(a))
                .filter(|a| a.starts_with(&abs_root))
                .map(|a| manifest::relative(&a, &abs_root))
                .collect();
            match m.finish(&path, arts, sign.as_deref()) {
                Ok(_) if !manifest_asked => {}
                Ok(m) => say!(
                    "manifest: {} files{} in `{}`",
                    m.files,
                    if m.signed { ", signed," } else { "" },
                    path.display()
                ),
                Err(e) => {
                    say!("error: {}", crate::batch::error_chain(&e));
                    ok = false;
                }
            }
        }
        ok
    }
}
