//! OAuth 2.0 access tokens for the connectors that call a cloud API: client credentials (RFC
//! 6749 §4.4) with an application's own identity, a client secret or a certificate whose
//! private key signs a client assertion (RFC 7523: an RS256 JWT with the certificate's
//! `x5t#S256` thumbprint in its header, none for a key registered without a certificate); or the JWT bearer grant (RFC 7523 §2.1) of a service
//! account acting for a user it is delegated to (Google's domain-wide delegation: an RS256 JWT
//! naming the user in `sub` and the scopes asked for). The access token is cached until shortly
//! before it expires and fetched again after that, or when the API refuses it. It never
//! retries, and neither the secret, the key, the assertion nor the token ever appears in an
//! error, a log line or a `Debug` form.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::connector::http_body::read_limited;
use crate::fsio::HTTP_ANSWER;
use base64ct::{Base64UrlUnpadded, Encoding};
use reqwest::Url;
use reqwest::blocking::Client;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::ConnectorError;
use super::http_errors::{status_error, transport_error};

/// The grant type of a JWT used as an authorization grant (RFC 7523 §2.1).
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// How long a client assertion is valid.
const ASSERTION_LIFETIME: Duration = Duration::from_secs(600);
/// A token is fetched again this long before it expires (at most half its lifetime).
const EXPIRY_MARGIN: Duration = Duration::from_secs(300);

/// How the application proves who it is.
pub enum ClientCredential {
    /// A client secret.
    Secret(SecretString),
    /// A certificate registered with the application, and its private key.
    Certificate(Box<CertificateKey>),
}

impl std::fmt::Debug for ClientCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientCredential::Secret(_) => f.write_str("Secret([redacted])"),
            ClientCredential::Certificate(c) => write!(f, "Certificate(x5t#S256={})", c.x5t),
        }
    }
}

/// A certificate's thumbprint and the RSA key that signs assertions for it.
pub struct CertificateKey {
    x5t: String,
    key: RsaKeyPair,
}

/// Why a credential could not be loaded. Never quotes the key.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// The certificate file holds no PEM certificate.
    #[error("the certificate file holds no PEM certificate")]
    NoCertificate,
    /// The key is not an RSA private key in PEM (PKCS#8 or PKCS#1).
    #[error("the private key is not an RSA private key in PEM form (PKCS#8 or PKCS#1)")]
    BadKey,
    /// The service account key file is not JSON with `client_email` and `private_key`.
    #[error("the service account key file is not JSON with `client_email` and `private_key`")]
    BadKeyFile,
}

impl CertificateKey {
    /// From a PEM certificate and a PEM RSA private key.
    pub fn from_pem(certificate: &[u8], key: &SecretString) -> Result<Self, CredentialError> {
        let der = CertificateDer::from_pem_slice(certificate)
            .map_err(|_| CredentialError::NoCertificate)?;
        Ok(CertificateKey {
            x5t: Base64UrlUnpadded::encode_string(&Sha256::digest(der.as_ref())),
            key: rsa_key(key)?,
        })
    }

    /// A key registered without a certificate (Okta's `private_key_jwt`): the assertions it
    /// signs carry no thumbprint.
    pub fn from_key_pem(key: &SecretString) -> Result<Self, CredentialError> {
        Ok(CertificateKey {
            x5t: String::new(),
            key: rsa_key(key)?,
        })
    }

    /// The `x5t#S256` thumbprint: base64url of the SHA-256 of the certificate's DER form.
    pub fn thumbprint(&self) -> &str {
        &self.x5t
    }

    /// A signed client assertion for `client_id` at `audience` (the token endpoint).
    fn assertion(&self, client_id: &str, audience: &str) -> Result<String, ConnectorError> {
        let now = unix_now();
        let mut header = serde_json::json!({ "alg": "RS256", "typ": "JWT" });
        if !self.x5t.is_empty() {
            header["x5t#S256"] = self.x5t.clone().into();
        }
        let claims = serde_json::json!({
            "aud": audience,
            "iss": client_id,
            "sub": client_id,
            "jti": jwt_id()?,
            "nbf": now,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME.as_secs(),
        });
        sign_jwt(&self.key, &header, &claims)
    }
}

/// A service account: its email (the issuer of its assertions) and the RSA key it signs them
/// with. Google hands both out as a JSON key file.
pub struct ServiceAccount {
    client_email: String,
    key: RsaKeyPair,
}

impl std::fmt::Debug for ServiceAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccount")
            .field("client_email", &self.client_email)
            .finish_non_exhaustive()
    }
}

/// The fields of a service account key file offboard reads; the others are ignored.
#[derive(Deserialize)]
struct KeyFile {
    client_email: String,
    private_key: String,
}

impl ServiceAccount {
    /// From a service account key file (JSON with `client_email` and `private_key`, a PEM RSA
    /// key), as Google downloads it.
    pub fn from_key_file(json: &SecretString) -> Result<Self, CredentialError> {
        let file: KeyFile =
            serde_json::from_str(json.expose_secret()).map_err(|_| CredentialError::BadKeyFile)?;
        if !file.client_email.contains('@') {
            return Err(CredentialError::BadKeyFile);
        }
        Ok(ServiceAccount {
            client_email: file.client_email,
            key: rsa_key(&SecretString::from(file.private_key))?,
        })
    }

    /// The account's email, the `iss` of its assertions.
    pub fn client_email(&self) -> &str {
        &self.client_email
    }

    /// A signed grant acting for `subject` with `scope`, at `audience` (the token endpoint).
    fn grant(&self, subject: &str, scope: &str, audience: &str) -> Result<String, ConnectorError> {
        let now = unix_now();
        let header = serde_json::json!({ "alg": "RS256", "typ": "JWT" });
        let claims = serde_json::json!({
            "iss": self.client_email,
            "sub": subject,
            "scope": scope,
            "aud": audience,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME.as_secs(),
        });
        sign_jwt(&self.key, &header, &claims)
    }
}

/// An RSA private key in PEM form, PKCS#8 or PKCS#1.
fn rsa_key(key: &SecretString) -> Result<RsaKeyPair, CredentialError> {
    let pem = key.expose_secret().as_bytes();
    match PrivatePkcs8KeyDer::from_pem_slice(pem) {
        Ok(der) => RsaKeyPair::from_pkcs8(der.secret_pkcs8_der()),
        Err(_) => {
            let der =
                PrivatePkcs1KeyDer::from_pem_slice(pem).map_err(|_| CredentialError::BadKey)?;
            RsaKeyPair::from_der(der.secret_pkcs1_der())
        }
    }
    .map_err(|_| CredentialError::BadKey)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A random JWT id.
fn jwt_id() -> Result<String, ConnectorError> {
    let mut jti = [0u8; 16];
    SystemRandom::new()
        .fill(&mut jti)
        .map_err(|_| signing_failed("no randomness"))?;
    Ok(Base64UrlUnpadded::encode_string(&jti))
}

fn signing_failed(what: &str) -> ConnectorError {
    ConnectorError::Permanent {
        message: format!("cannot sign the assertion: {what}"),
    }
}

/// A compact JWS of `claims` under `header`, signed RS256 with `key`.
fn sign_jwt(
    key: &RsaKeyPair,
    header: &serde_json::Value,
    claims: &serde_json::Value,
) -> Result<String, ConnectorError> {
    let signed = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(header.to_string().as_bytes()),
        Base64UrlUnpadded::encode_string(claims.to_string().as_bytes())
    );
    let mut signature = vec![0u8; key.public().modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        signed.as_bytes(),
        &mut signature,
    )
    .map_err(|_| signing_failed("RSA signing failed"))?;
    Ok(format!(
        "{signed}.{}",
        Base64UrlUnpadded::encode_string(&signature)
    ))
}

/// A cached access token.
struct Cached {
    token: SecretString,
    renew_at: Instant,
}

/// The token endpoint's answer.
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: u64,
}

/// An OAuth error answer (RFC 6749 §5.2).
#[derive(Deserialize)]
struct TokenRefusal {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// How a token is asked for.
#[derive(Debug)]
enum Grant {
    /// Client credentials: the application's own identity.
    Client {
        client_id: String,
        credential: ClientCredential,
    },
    /// A JWT bearer grant: a service account acting for `subject`.
    Delegated {
        account: Arc<ServiceAccount>,
        subject: String,
    },
}

/// Access tokens for one application (or one service account acting for one user) and one
/// scope, at one token endpoint, cached.
pub struct TokenSource {
    client: Client,
    token_url: Url,
    scope: String,
    grant: Grant,
    timeout: Duration,
    cached: Mutex<Option<Cached>>,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource")
            .field("token_url", &self.token_url.as_str())
            .field("scope", &self.scope)
            .field("grant", &self.grant)
            .finish_non_exhaustive()
    }
}

impl TokenSource {
    /// Tokens for `scope` from `token_url`, as `client_id` proving itself with `credential`,
    /// through `client` (whose timeout is `timeout`).
    pub fn new(
        client: Client,
        token_url: Url,
        client_id: &str,
        scope: &str,
        credential: ClientCredential,
        timeout: Duration,
    ) -> TokenSource {
        TokenSource {
            client,
            token_url,
            scope: scope.to_owned(),
            grant: Grant::Client {
                client_id: client_id.to_owned(),
                credential,
            },
            timeout,
            cached: Mutex::new(None),
        }
    }

    /// Tokens for `scope` (space-separated scopes) from `token_url`, as `account` acting for
    /// `subject` (domain-wide delegation), through `client` (whose timeout is `timeout`).
    pub fn delegated(
        client: Client,
        token_url: Url,
        account: Arc<ServiceAccount>,
        subject: &str,
        scope: &str,
        timeout: Duration,
    ) -> TokenSource {
        TokenSource {
            client,
            token_url,
            scope: scope.to_owned(),
            grant: Grant::Delegated {
                account,
                subject: subject.to_owned(),
            },
            timeout,
            cached: Mutex::new(None),
        }
    }

    /// A valid access token: the cached one, or a new one.
    pub fn token(&self) -> Result<SecretString, ConnectorError> {
        let mut cached = self.cached.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(c) = cached.as_ref().filter(|c| Instant::now() < c.renew_at) {
            return Ok(c.token.clone());
        }
        let fresh = self.fetch()?;
        let token = fresh.token.clone();
        *cached = Some(fresh);
        Ok(token)
    }

    /// Forget the cached token (the API refused it): the next call fetches a new one.
    pub fn invalidate(&self) {
        *self.cached.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    fn fetch(&self) -> Result<Cached, ConnectorError> {
        let what = format!("token endpoint {}", self.token_url.path());
        let form = self.form()?;
        let started = Instant::now();
        let response = self
            .client
            .post(self.token_url.clone())
            .form(&form)
            .send()
            .map_err(|e| transport_error(&what, self.timeout, e))?;
        drop(form);
        let status = response.status();
        let headers = response.headers().clone();
        let body = read_limited(&what, response, HTTP_ANSWER)?;
        if !status.is_success() {
            let detail = serde_json::from_slice::<TokenRefusal>(&body)
                .map(|r| match r.error_description {
                    Some(d) => format!("{}: {d}", r.error),
                    None => r.error,
                })
                .unwrap_or_default();
            let detail = self.redact(&detail);
            return Err(status_error(&what, status, &headers, Some(&detail)));
        }
        let answer: TokenAnswer =
            serde_json::from_slice(&body).map_err(|e| ConnectorError::Permanent {
                message: format!("{what}: the answer is not a token: {e}"),
            })?;
        Ok(Cached {
            token: SecretString::from(answer.access_token),
            renew_at: started + renew_after(Duration::from_secs(answer.expires_in)),
        })
    }

    /// The form fields of a token request.
    fn form(&self) -> Result<Vec<(&'static str, String)>, ConnectorError> {
        let audience = self.token_url.as_str();
        let (client_id, credential) = match &self.grant {
            Grant::Delegated { account, subject } => {
                return Ok(vec![
                    ("grant_type", JWT_BEARER.to_owned()),
                    ("assertion", account.grant(subject, &self.scope, audience)?),
                ]);
            }
            Grant::Client {
                client_id,
                credential,
            } => (client_id, credential),
        };
        let mut form = vec![
            ("grant_type", "client_credentials".to_owned()),
            ("client_id", client_id.clone()),
            ("scope", self.scope.clone()),
        ];
        match credential {
            ClientCredential::Secret(secret) => {
                form.push(("client_secret", secret.expose_secret().to_owned()));
            }
            ClientCredential::Certificate(key) => {
                form.push((
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
                ));
                form.push(("client_assertion", key.assertion(client_id, audience)?));
            }
        }
        Ok(form)
    }

    /// `text` without the client secret, should a server ever quote it.
    fn redact(&self, text: &str) -> String {
        match &self.grant {
            Grant::Client {
                credential: ClientCredential::Secret(secret),
                ..
            } if !secret.expose_secret().is_empty() => {
                text.replace(secret.expose_secret(), "[redacted]")
            }
            _ => text.to_owned(),
        }
    }
}

/// How long a token that lives `lifetime` is used: until [`EXPIRY_MARGIN`] before it expires,
/// or half its life when that is shorter, so a request never carries a token about to expire.
fn renew_after(lifetime: Duration) -> Duration {
    lifetime - EXPIRY_MARGIN.min(lifetime / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_renewed_before_they_expire() {
        let secs = Duration::from_secs;
        assert_eq!(renew_after(secs(3600)), secs(3300));
        assert_eq!(renew_after(secs(600)), secs(300));
        assert_eq!(renew_after(secs(60)), secs(30));
        assert_eq!(renew_after(secs(0)), secs(0));
    }

    #[test]
    fn debug_forms_show_no_secret() {
        let secret = ClientCredential::Secret(SecretString::from("hunter2-secret"));
        let shown = format!("{secret:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        let source = TokenSource::new(
            Client::new(),
            Url::parse("https://login.example/t/oauth2/v2.0/token").unwrap(),
            "app",
            "https://graph.microsoft.com/.default",
            secret,
            Duration::from_secs(1),
        );
        let shown = format!("{source:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(source.redact("bad hunter2-secret").ends_with("[redacted]"));
    }

    #[test]
    fn a_key_that_is_not_rsa_pem_is_refused_without_quoting_it() {
        let cert = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        let key = SecretString::from("not a key at all: s3cr3t");
        let error = CertificateKey::from_pem(cert, &key).err().unwrap();
        assert!(!error.to_string().contains("s3cr3t"));
        let error = CertificateKey::from_pem(b"nothing", &key).err().unwrap();
        assert_eq!(
            error.to_string(),
            "the certificate file holds no PEM certificate"
        );
    }

    #[test]
    fn a_service_account_key_file_without_a_key_is_refused_without_quoting_it() {
        for json in [
            r#"{"client_email": "sa@p.iam.gserviceaccount.com", "private_key": "s3cr3t"}"#,
            r#"{"client_email": "nobody", "private_key": "s3cr3t"}"#,
            "s3cr3t",
        ] {
            let error = ServiceAccount::from_key_file(&SecretString::from(json))
                .err()
                .unwrap();
            assert!(!error.to_string().contains("s3cr3t"), "{error}");
        }
    }
}
