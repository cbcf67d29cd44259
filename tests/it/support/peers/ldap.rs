//! A real OpenLDAP `slapd` for tests, unprivileged, in a temp directory: a `slapd.conf` naming
//! the core, cosine, nis and inetorgperson schemas (plus a one-attribute stand-in for Active
//! Directory's `userAccountControl`), the mdb backend and the ppolicy overlay, seeded with
//! `slapadd`, then started in the foreground as a child process and killed on drop. Also the
//! real `ldapsearch`, `ldapmodify` and `ldapwhoami` CLIs to check what the directory holds
//! independently of the connector.
//!
//! The binaries are found at `$OFFBOARD_SLAPD` (the tools beside it), `.peers/usr/sbin/slapd`
//! (what `scripts/install-peers` unpacks), or `slapd` on `PATH` / in `/usr/sbin`.

#![allow(dead_code)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use base64ct::{Base64, Encoding};

/// The directory's suffix.
pub const SUFFIX: &str = "dc=acme,dc=example";
/// Where people live.
pub const PEOPLE: &str = "ou=people,dc=acme,dc=example";
/// Where groups live.
pub const GROUPS: &str = "ou=groups,dc=acme,dc=example";
/// Where disabled accounts are moved.
pub const DISABLED: &str = "ou=disabled,dc=acme,dc=example";
/// The administrator.
pub const ROOT_DN: &str = "cn=admin,dc=acme,dc=example";
/// The password every seeded person has (for bind checks).
pub const USER_PASSWORD: &str = "user-password-1";

/// The people and groups every test directory starts with.
pub const BASE_LDIF: &str = include_str!("../../../peers/ldap_base.ldif");

/// Where the OpenLDAP files are: an unpacked package tree or the system.
#[derive(Clone, Debug)]
pub struct Tools {
    /// `usr/sbin` holding slapd and slapadd.
    sbin: PathBuf,
    /// `usr/bin` holding ldapsearch and friends (or where PATH has them).
    bin: PathBuf,
    /// `etc/ldap/schema`.
    pub schema: PathBuf,
    /// `usr/lib/ldap` holding back_mdb and ppolicy.
    pub modules: PathBuf,
    /// Unpacked shared libraries, when there are any.
    libs: Option<PathBuf>,
}

impl Tools {
    /// Find slapd and the tools, or fail with how to install them.
    pub fn find() -> Tools {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let candidates = std::env::var_os("OFFBOARD_SLAPD")
            .map(PathBuf::from)
            .into_iter()
            .chain([repo.join(".peers/usr/sbin/slapd")])
            .chain(which("slapd"))
            .chain([PathBuf::from("/usr/sbin/slapd")]);
        for slapd in candidates {
            if !slapd.is_file() {
                continue;
            }
            let sbin = slapd.parent().map(Path::to_owned).unwrap_or_default();
            // <root>/usr/sbin/slapd -> <root>
            let root = sbin
                .parent()
                .and_then(Path::parent)
                .map(Path::to_owned)
                .unwrap_or_else(|| PathBuf::from("/"));
            let bin = if root.join("usr/bin/ldapsearch").is_file() {
                root.join("usr/bin")
            } else {
                which("ldapsearch")
                    .and_then(|p| p.parent().map(Path::to_owned))
                    .unwrap_or_else(|| root.join("usr/bin"))
            };
            let libs = root.join("usr/lib/x86_64-linux-gnu");
            return Tools {
                sbin,
                bin,
                schema: root.join("etc/ldap/schema"),
                modules: root.join("usr/lib/ldap"),
                libs: (root != Path::new("/") && libs.is_dir()).then_some(libs),
            };
        }
        panic!(
            "slapd not found (looked at $OFFBOARD_SLAPD, {}, PATH and /usr/sbin); run ./scripts/install-peers",
            repo.join(".peers/usr/sbin/slapd").display()
        );
    }

    /// A command for `name` from sbin (slapd, slapadd) or bin (ldapsearch...).
    pub fn command(&self, name: &str) -> Command {
        let path = if name.starts_with("slap") {
            self.sbin.join(name)
        } else {
            self.bin.join(name)
        };
        let mut command = Command::new(path);
        if let Some(libs) = &self.libs {
            command.env("LD_LIBRARY_PATH", libs);
        }
        command.env("LDAPNOINIT", "1");
        command
    }
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// A random password for the administrator, fresh for each server.
fn random_password() -> String {
    let mut rng = fastrand::Rng::new();
    (0..24).map(|_| rng.alphanumeric()).collect()
}

/// A test CA and a server certificate for 127.0.0.1 and localhost signed by it, made by
/// `openssl`.
#[derive(Debug)]
pub struct Certificate {
    /// The CA certificate to trust.
    pub ca: PathBuf,
    /// The server certificate.
    pub cert: PathBuf,
    /// The server's private key.
    pub key: PathBuf,
}

impl Certificate {
    /// Make them in `dir`.
    pub fn issue(dir: &Path) -> Certificate {
        let file = |name: &str| dir.join(name);
        let openssl = |args: &[&str]| {
            let output = Command::new("openssl")
                .current_dir(dir)
                .args(args)
                .output()
                .expect("run openssl");
            assert!(
                output.status.success(),
                "openssl {args:?}: {}",
                describe(&output)
            );
        };
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=offboard test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ]);
        openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            "key.pem",
            "-out",
            "server.csr",
        ]);
        std::fs::write(
            file("server.ext"),
            "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n\
             extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
        )
        .expect("write server.ext");
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            "server.ext",
            "-out",
            "cert.pem",
        ]);
        Certificate {
            ca: file("ca.pem"),
            cert: file("cert.pem"),
            key: file("key.pem"),
        }
    }
}

/// How to start a server.
#[derive(Debug, Default)]
pub struct SlapdBuilder {
    ldif: Option<String>,
    tls: bool,
    suffix: Option<String>,
    password: Option<String>,
}

impl SlapdBuilder {
    /// Seed with this LDIF instead of [`BASE_LDIF`].
    pub fn ldif(mut self, ldif: &str) -> Self {
        self.ldif = Some(ldif.to_owned());
        self
    }

    /// Serve this suffix instead of [`SUFFIX`]; the administrator is `cn=admin,<suffix>` and
    /// the default password policy `cn=default,ou=policies,<suffix>`.
    pub fn suffix(mut self, suffix: &str) -> Self {
        self.suffix = Some(suffix.to_owned());
        self
    }

    /// Give the administrator this password instead of a random one.
    pub fn password(mut self, password: &str) -> Self {
        self.password = Some(password.to_owned());
        self
    }

    /// Also listen on `ldaps://` and offer StartTLS, with a certificate from a test CA.
    pub fn tls(mut self) -> Self {
        self.tls = true;
        self
    }

    /// Write the configuration, seed it and start the server; return once a bind succeeds.
    pub fn start(self) -> Slapd {
        let tools = Tools::find();
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("db");
        std::fs::create_dir(&db).expect("db dir");
        let password = self.password.clone().unwrap_or_else(random_password);
        let suffix = self.suffix.clone().unwrap_or_else(|| SUFFIX.to_owned());
        let root_dn = format!("cn=admin,{suffix}");
        let certificate = self.tls.then(|| Certificate::issue(dir.path()));
        let conf = dir.path().join("slapd.conf");
        std::fs::write(
            &conf,
            slapd_conf(&tools, dir.path(), &suffix, &password, certificate.as_ref()),
        )
        .expect("write slapd.conf");
        let ldif = dir.path().join("base.ldif");
        std::fs::write(&ldif, self.ldif.as_deref().unwrap_or(BASE_LDIF)).expect("write ldif");
        let output = tools
            .command("slapadd")
            .arg("-f")
            .arg(&conf)
            .arg("-l")
            .arg(&ldif)
            .output()
            .expect("run slapadd");
        assert!(
            output.status.success(),
            "slapadd failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );

        let port = super::free_port();
        let ldaps_port = self.tls.then(super::free_port);
        let mut urls = format!("ldap://127.0.0.1:{port}/");
        if let Some(p) = ldaps_port {
            urls.push_str(&format!(" ldaps://127.0.0.1:{p}/"));
        }
        let log = std::fs::File::create(dir.path().join("slapd.log")).expect("log file");
        let started = Instant::now();
        let child = tools
            .command("slapd")
            .arg("-f")
            .arg(&conf)
            .args(["-h", &urls, "-d", "0"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("spawn slapd");
        let mut slapd = Slapd {
            child,
            dir,
            port,
            ldaps_port,
            password,
            root_dn,
            tools,
            certificate,
            started_in: Duration::ZERO,
        };
        slapd.wait_until_ready(started);
        slapd
    }
}

fn slapd_conf(
    tools: &Tools,
    dir: &Path,
    suffix: &str,
    password: &str,
    tls: Option<&Certificate>,
) -> String {
    let schema = |name: &str| format!("include {}\n", tools.schema.join(name).display());
    let mut conf = String::new();
    for name in [
        "core.schema",
        "cosine.schema",
        "nis.schema",
        "inetorgperson.schema",
    ] {
        conf.push_str(&schema(name));
    }
    // Active Directory's account flags, under AD's own OID, for the ad_uac method.
    conf.push_str(
        "attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl' \
         EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )\n\
         objectclass ( 1.3.6.1.4.1.99999.1.1 NAME 'adAccountStandIn' AUXILIARY \
         MAY userAccountControl )\n",
    );
    conf.push_str(&format!(
        "pidfile {dir}/slapd.pid\nargsfile {dir}/slapd.args\n\
         modulepath {modules}\nmoduleload back_mdb\nmoduleload ppolicy\n",
        dir = dir.display(),
        modules = tools.modules.display()
    ));
    if let Some(tls) = tls {
        conf.push_str(&format!(
            "TLSCertificateFile {}\nTLSCertificateKeyFile {}\n",
            tls.cert.display(),
            tls.key.display()
        ));
    }
    conf.push_str(&format!(
        "database mdb\nmaxsize 33554432\nsuffix \"{suffix}\"\nrootdn \"cn=admin,{suffix}\"\n\
         rootpw {password}\ndirectory {db}\n\
         index objectClass eq\nindex uid,cn,member,memberUid,uniqueMember eq\n\
         overlay ppolicy\nppolicy_default \"cn=default,ou=policies,{suffix}\"\n",
        db = dir.join("db").display()
    ));
    conf
}

/// A running slapd, killed on drop.
pub struct Slapd {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
    ldaps_port: Option<u16>,
    /// The administrator's password.
    pub password: String,
    /// The administrator's DN (`cn=admin,<suffix>`).
    pub root_dn: String,
    tools: Tools,
    certificate: Option<Certificate>,
    /// How long it took from spawning slapd until a bind succeeded.
    pub started_in: Duration,
}

impl Slapd {
    /// A server seeded with [`BASE_LDIF`].
    pub fn start() -> Slapd {
        Slapd::builder().start()
    }

    /// A server to configure first.
    pub fn builder() -> SlapdBuilder {
        SlapdBuilder::default()
    }

    /// `ldap://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }

    /// `ldaps://127.0.0.1:PORT` (only with [`SlapdBuilder::tls`]).
    pub fn ldaps_url(&self) -> String {
        format!(
            "ldaps://127.0.0.1:{}",
            self.ldaps_port.expect("started with tls")
        )
    }

    /// The certificate to trust (only with [`SlapdBuilder::tls`]).
    pub fn ca_file(&self) -> &Path {
        &self.certificate.as_ref().expect("started with tls").ca
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("slapd.log")).unwrap_or_default()
    }

    fn wait_until_ready(&mut self, started: Instant) {
        let deadline = started + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("slapd exited with {status}: {}", self.log());
            }
            let whoami = self
                .tools
                .command("ldapwhoami")
                .args([
                    "-x",
                    "-H",
                    &self.url(),
                    "-D",
                    &self.root_dn,
                    "-w",
                    &self.password,
                ])
                .output()
                .expect("run ldapwhoami");
            if whoami.status.success() {
                self.started_in = started.elapsed();
                return;
            }
            assert!(
                Instant::now() < deadline,
                "slapd did not accept a bind within 20s: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Run `ldapsearch` as the administrator; the entries it printed.
    pub fn search(&self, base: &str, scope: &str, filter: &str, attrs: &[&str]) -> Vec<Entry> {
        let output = self
            .tools
            .command("ldapsearch")
            .args(["-x", "-LLL", "-o", "ldif-wrap=no", "-H", &self.url()])
            .args(["-D", &self.root_dn, "-w", &self.password])
            .args(["-b", base, "-s", scope, filter])
            .args(attrs)
            .output()
            .expect("run ldapsearch");
        // 32 = noSuchObject: the base is gone, so there is nothing.
        if output.status.code() == Some(32) {
            return Vec::new();
        }
        assert!(output.status.success(), "ldapsearch: {}", describe(&output));
        parse_ldif(&String::from_utf8_lossy(&output.stdout))
    }

    /// The entry `dn` with `attrs` (operational ones included when named), if it exists.
    pub fn entry(&self, dn: &str, attrs: &[&str]) -> Option<Entry> {
        self.search(dn, "base", "(objectClass=*)", attrs)
            .into_iter()
            .next()
    }

    /// The values of `attr` in entry `dn` (empty when the entry or attribute is missing).
    pub fn values(&self, dn: &str, attr: &str) -> Vec<String> {
        self.entry(dn, &[attr])
            .map(|e| e.values(attr))
            .unwrap_or_default()
    }

    /// Apply an LDIF change as the administrator with `ldapmodify`.
    pub fn modify(&self, ldif: &str) {
        let mut child = self
            .tools
            .command("ldapmodify")
            .args([
                "-x",
                "-H",
                &self.url(),
                "-D",
                &self.root_dn,
                "-w",
                &self.password,
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run ldapmodify");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(ldif.as_bytes())
            .expect("write ldif");
        let output = child.wait_with_output().expect("ldapmodify");
        assert!(output.status.success(), "ldapmodify: {}", describe(&output));
    }

    /// True when `dn` can bind with `password` (checked with `ldapwhoami`).
    pub fn can_bind(&self, dn: &str, password: &str) -> bool {
        self.tools
            .command("ldapwhoami")
            .args(["-x", "-H", &self.url(), "-D", dn, "-w", password])
            .output()
            .expect("run ldapwhoami")
            .status
            .success()
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn describe(output: &Output) -> String {
    format!(
        "{}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// One entry printed by `ldapsearch -LLL`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Its DN.
    pub dn: String,
    /// Attribute name and value pairs, in order.
    pub attrs: Vec<(String, String)>,
}

impl Entry {
    /// The values of `name`, matched without regard to case.
    pub fn values(&self, name: &str) -> Vec<String> {
        self.attrs
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// Parse unwrapped LDIF (`-o ldif-wrap=no`), decoding base64 (`::`) values.
pub fn parse_ldif(text: &str) -> Vec<Entry> {
    let mut entries = Vec::new();
    for block in text.split("\n\n") {
        let mut dn = None;
        let mut attrs = Vec::new();
        for line in block
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let (name, value) = if let Some((name, value)) = line.split_once(":: ") {
                let bytes = Base64::decode_vec(value.trim()).expect("base64 value");
                (name, String::from_utf8_lossy(&bytes).into_owned())
            } else if let Some((name, value)) = line.split_once(": ") {
                (name, value.to_owned())
            } else {
                panic!("unexpected LDIF line {line:?}");
            };
            if name.eq_ignore_ascii_case("dn") {
                dn = Some(value);
            } else {
                attrs.push((name.to_owned(), value));
            }
        }
        if let Some(dn) = dn {
            entries.push(Entry { dn, attrs });
        }
    }
    entries
}
