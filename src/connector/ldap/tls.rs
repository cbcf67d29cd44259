//! The TLS client configuration for `ldaps://` and StartTLS: the system's trusted roots
//! (including `SSL_CERT_FILE` and `SSL_CERT_DIR` when set) plus an optional CA file, with the
//! ring provider named explicitly so no process-wide default is needed. It owns trust only;
//! certificate verification is never turned off.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore};

use super::error::LdapConfigError;

/// A client configuration trusting the system's roots and the certificates of `ca_file`.
pub(crate) fn client_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, LdapConfigError> {
    let mut roots = RootCertStore::empty();
    // A broken system store is not fatal: the certificates that loaded still count, and a
    // server whose chain needs a missing one fails verification with a clear error.
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    if let Some(path) = ca_file {
        let ca_error = |reason: String| LdapConfigError::CaFile {
            path: path.to_owned(),
            reason,
        };
        let pem = crate::fsio::read(path, crate::fsio::TEXT, crate::fsio::Links::Follow)
            .map_err(|e| ca_error(e.to_string()))?;
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(&pem) {
            let cert = cert.map_err(|e| ca_error(format!("not a PEM certificate: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| ca_error(format!("unusable certificate: {e}")))?;
            added += 1;
        }
        if added == 0 {
            return Err(ca_error("holds no PEM certificate".to_owned()));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| LdapConfigError::CaFile {
            path: ca_file.map(Path::to_owned).unwrap_or_default(),
            reason: e.to_string(),
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_without_certificates_is_refused() {
        let dir = tempfile::tempdir().map_err(|e| e.to_string());
        let Ok(dir) = dir else {
            panic!("temp dir: {dir:?}");
        };
        let path = dir.path().join("ca.pem");
        assert!(std::fs::write(&path, "not a certificate\n").is_ok());
        let error = client_config(Some(&path)).err().map(|e| e.to_string());
        assert_eq!(
            error,
            Some(format!(
                "CA file {}: holds no PEM certificate",
                path.display()
            ))
        );
        let missing = dir.path().join("missing.pem");
        let error = client_config(Some(&missing)).err().map(|e| e.to_string());
        assert!(
            error
                .as_deref()
                .is_some_and(|e| e.starts_with(&format!("CA file {}: ", missing.display()))),
            "{error:?}"
        );
    }

    #[test]
    fn the_system_roots_alone_make_a_config() {
        assert!(client_config(None).is_ok());
    }
}
