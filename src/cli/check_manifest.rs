//! `check --manifest FILE DST`: verify a tree against run manifests (and their
//! signatures): every output they list is there with the same bytes, and no other file is.
//! The manifests are read as streams (`audit::manifest::stream`): memory does not grow
//! with the number of files they list.

use std::io::Write;

use super::ExitStatus;
use super::check::{CheckArgs, CheckFormat};
use crate::audit::manifest::{self, stream};

pub fn check_manifest(args: &CheckArgs) -> ExitStatus {
    if !args.dst.is_dir() {
        say!("error: `{}` is not a folder", args.dst.display());
        return ExitStatus::Usage;
    }
    let mut manifests = Vec::new();
    let mut signature_failed = false;
    let mut signed_by = Vec::new();
    for path in &args.manifest {
        let m = match stream::read_head(path) {
            Ok(m) => m,
            Err(e) => {
                say!("error: {}", crate::batch::error_chain(&e));
                return ExitStatus::Usage;
            }
        };
        match stream::verify(&m, path, args.public_key.as_deref()) {
            Ok(Some(key)) => signed_by.push(key),
            Ok(None) => {}
            Err(e @ manifest::ManifestError::Signature { .. }) => {
                say!("{}: {}", path.display(), crate::batch::error_chain(&e));
                signature_failed = true;
            }
            Err(e) => {
                say!("error: {}", crate::batch::error_chain(&e));
                return ExitStatus::Usage;
            }
        }
        manifests.push((path.clone(), m));
    }
    let mut v = match stream::verify_tree(&args.dst, &manifests) {
        Ok(v) => v,
        Err(e) => {
            say!("error: {}", crate::batch::error_chain(&e));
            return ExitStatus::Usage;
        }
    };
    v.signed_by = signed_by;
    let stdout = std::io::stdout();
    let mut w = stdout.lock();
    let summary = format!(
        "{} outputs verified, {} added, {} missing, {} changed{}",
        v.verified,
        v.added.len(),
        v.missing.len(),
        v.changed.len(),
        match (signature_failed, v.signed_by.len()) {
            (true, _) => "; a signature does not verify".to_string(),
            (false, 0) => "; not signed".to_string(),
            (false, _) if args.public_key.is_some() => "; signed with the given key".to_string(),
            (false, _) => "; signature valid (give --public-key to check who signed)".to_string(),
        }
    );
    let written = match args.format {
        CheckFormat::Text => v
            .added
            .iter()
            .map(|p| ("added", p))
            .chain(v.missing.iter().map(|p| ("missing", p)))
            .chain(v.changed.iter().map(|p| ("changed", p)))
            .try_for_each(|(what, p)| writeln!(w, "{what}: {p}"))
            .and_then(|_| writeln!(w, "{summary}")),
        CheckFormat::Json => {
            let doc = serde_json::json!({
                "verification": v,
                "signature_failed": signature_failed,
            });
            writeln!(w, "{doc}")
        }
    };
    if let Err(e) = written {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            say!("error: cannot write the findings: {e}");
            return ExitStatus::Failure;
        }
    }
    if v.is_clean() && !signature_failed {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    }
}
