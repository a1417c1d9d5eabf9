//! Real Redis and PostgreSQL servers for tests, started by the test on a free 127.0.0.1
//! port in a temporary directory and stopped (by process id) when dropped.
//!
//! [`RedisServer::start`] and [`PostgresServer::start`] answer `None` when the server's
//! binaries are not installed (or it cannot start): the caller's test then returns early,
//! after [`skip`] wrote, uncaptured, which test did not run and why. Under CI (`CI=true`),
//! a missing server fails the test instead, so CI shows every store test run.
//!
//! PostgreSQL refuses to run as root: as root, the server runs as the unprivileged user
//! `dokutest` (created if missing) through `setpriv`, in a directory it owns.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Whether this run is CI's (`CI=true`), where a store test must not be skipped.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Reports that `test` did not run because `why`, on stderr, bypassing the test harness's
/// output capture (so that a plain `cargo test` shows it); under CI, panics instead.
pub fn skip(test: &str, why: &str) {
    if under_ci() {
        panic!("store test `{test}` cannot run under CI: {why}");
    }
    let msg = format!(
        "\n!!!!!!!! SKIPPED `{test}`: {why}.\n!!!!!!!! Install redis-server and postgresql \
         (scripts/test does) to run it.\n"
    );
    // `eprintln!` would be captured; a direct write to the stream is not.
    let _ = std::io::stderr().write_all(msg.as_bytes());
}

/// The server `start` answered, or `None` after reporting (see [`skip`]) why `test` cannot
/// run.
fn started<T>(test: &str, start: Result<T, String>) -> Option<T> {
    start.map_err(|why| skip(test, &why)).ok()
}

/// A free TCP port on 127.0.0.1 (bound and released: another process could take it first,
/// which the server's start then reports).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

/// A temporary directory, removed when dropped.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new empty directory under the system's temporary directory.
    pub fn new(prefix: &str) -> std::io::Result<Self> {
        static N: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "{prefix}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path)?;
        Ok(Self(path))
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn find_binary(name: &str, extra_dirs: &[PathBuf]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(extra_dirs.iter().cloned())
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Sends `signal` (`TERM`, `INT`, `KILL`, ...) to `pid`.
pub fn signal(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .args([format!("-{signal}"), pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

/// Waits up to `limit` for `child` to exit, then kills it.
fn wait_or_kill(child: &mut Child, limit: Duration) {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A `redis-server` of this test's own, with append-only persistence (`appendfsync always`
/// from [`RedisServer::start`], so that a restart keeps every key; another policy from
/// [`RedisServer::start_with`]).
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: TempDir,
    binary: PathBuf,
    appendfsync: String,
    /// More arguments for `redis-server` (a cluster node's, TLS).
    extra: Vec<String>,
    /// The TLS port, if it serves TLS too.
    tls_port: Option<u16>,
}

impl RedisServer {
    /// Starts one, or reports (see [`skip`]) that `test` cannot run and answers `None`.
    pub fn start(test: &str) -> Option<Self> {
        Self::start_with(test, "always")
    }

    /// [`RedisServer::start`] with this `appendfsync` policy (`always`, `everysec`, `no`).
    pub fn start_with(test: &str, appendfsync: &str) -> Option<Self> {
        started(test, Self::try_start(appendfsync, Vec::new(), None))
    }

    fn try_start(
        appendfsync: &str,
        extra: Vec<String>,
        tls_port: Option<u16>,
    ) -> Result<Self, String> {
        let dir = TempDir::new("doku-redis").map_err(|e| format!("no temporary dir: {e}"))?;
        Self::start_in(dir, appendfsync, extra, tls_port)
    }

    /// Starts one in `dir`.
    fn start_in(
        dir: TempDir,
        appendfsync: &str,
        extra: Vec<String>,
        tls_port: Option<u16>,
    ) -> Result<Self, String> {
        let binary = find_binary("redis-server", &[])
            .ok_or("redis-server is not installed (Debian package redis-server)")?;
        let mut server = Self {
            child: None,
            port: free_port(),
            dir,
            binary,
            appendfsync: appendfsync.to_owned(),
            extra,
            tls_port,
        };
        server.spawn()?;
        Ok(server)
    }

    fn spawn(&mut self) -> Result<(), String> {
        let child = Command::new(&self.binary)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                &self.appendfsync,
            ])
            .args(["--protected-mode", "no", "--daemonize", "no"])
            .arg("--unixsocket")
            .arg(self.socket())
            .args(["--unixsocketperm", "700"])
            .args(&self.extra)
            .arg("--dir")
            .arg(self.dir.path())
            .arg("--logfile")
            .arg(self.dir.path().join("redis.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start redis-server: {e}"))?;
        self.child = Some(child);
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if self.ping() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.stop();
        Err(format!("redis-server did not answer on port {}", self.port))
    }

    fn ping(&self) -> bool {
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
        let mut buf = [0u8; 16];
        s.write_all(b"PING\r\n").is_ok()
            && s.read(&mut buf)
                .is_ok_and(|n| buf[..n].starts_with(b"+PONG"))
    }

    /// [`RedisServer::start`] serving TLS too, on another port ([`RedisServer::tls_url`]),
    /// with a certificate for `127.0.0.1` that a certificate authority of this test's own
    /// issued ([`RedisServer::ca_cert`]), both made with `openssl`.
    pub fn start_tls(test: &str) -> Option<Self> {
        started(test, Self::try_start_tls(false))
    }

    /// [`RedisServer::start_tls`] asking every TLS client for a certificate its certificate
    /// authority issued (`tls-auth-clients yes`): [`RedisServer::client_cert`] and
    /// [`RedisServer::client_key`].
    pub fn start_mutual_tls(test: &str) -> Option<Self> {
        started(test, Self::try_start_tls(true))
    }

    fn try_start_tls(client_certificates: bool) -> Result<Self, String> {
        let dir = TempDir::new("doku-redis-tls").map_err(|e| format!("no temporary dir: {e}"))?;
        make_certificates(dir.path())?;
        let tls_port = free_port();
        let extra = tls_arguments(dir.path(), tls_port, client_certificates);
        Self::start_in(dir, "always", extra, Some(tls_port))
    }

    /// `rediss://127.0.0.1:{TLS port}/`, if it serves TLS ([`RedisServer::start_tls`]).
    pub fn tls_url(&self) -> Option<String> {
        self.tls_port.map(|p| format!("rediss://127.0.0.1:{p}/"))
    }

    /// The file of the certificate authority that issued its TLS certificate (PEM).
    pub fn ca_cert(&self) -> PathBuf {
        self.dir.path().join("ca.crt")
    }

    /// The file of a client certificate its certificate authority issued (PEM), for
    /// [`RedisServer::start_mutual_tls`].
    pub fn client_cert(&self) -> PathBuf {
        self.dir.path().join("client.crt")
    }

    /// The file of [`RedisServer::client_cert`]'s private key (PEM).
    pub fn client_key(&self) -> PathBuf {
        self.dir.path().join("client.key")
    }

    /// `redis://127.0.0.1:{port}/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// `redis+unix://{dir}/redis.sock`: the same server through its Unix socket.
    pub fn unix_url(&self) -> String {
        format!("redis+unix://{}", self.socket().display())
    }

    fn socket(&self) -> PathBuf {
        self.dir.path().join("redis.sock")
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Stops the server (`SIGTERM`, then `SIGKILL` after 5 s).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal(child.id(), "TERM");
            wait_or_kill(&mut child, Duration::from_secs(5));
        }
    }

    /// Starts it again on the same port and directory (its append-only file restores the
    /// keys).
    pub fn restart(&mut self) -> Result<(), String> {
        self.stop();
        self.spawn()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Makes, in `dir`, a certificate authority of the test's own (`ca.crt`, `ca.key`), the
/// certificate it issues for `127.0.0.1` (`server.crt`, `server.key`) and a client
/// certificate (`client.crt`, `client.key`), with `openssl`.
fn make_certificates(dir: &Path) -> Result<(), String> {
    let openssl =
        find_binary("openssl", &[]).ok_or("openssl is not installed (Debian package openssl)")?;
    let run = |args: &[&str]| -> Result<(), String> {
        let out = Command::new(&openssl)
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run openssl: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "openssl {} failed: {}",
                args.first().unwrap_or(&""),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    run(&[
        &["req", "-x509"][..],
        &ec,
        &[
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "2",
            "-subj",
            "/CN=doku test CA",
        ],
    ]
    .concat())?;
    std::fs::write(dir.join("server.ext"), "subjectAltName=IP:127.0.0.1\n")
        .map_err(|e| format!("cannot write server.ext: {e}"))?;
    std::fs::write(dir.join("client.ext"), "extendedKeyUsage=clientAuth\n")
        .map_err(|e| format!("cannot write client.ext: {e}"))?;
    for (name, subject) in [
        ("server", "/CN=127.0.0.1"),
        ("client", "/CN=doku test client"),
    ] {
        let (key, csr, crt, ext) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.crt"),
            format!("{name}.ext"),
        );
        run(&[
            &["req"][..],
            &ec,
            &["-keyout", &key, "-out", &csr, "-subj", subject],
        ]
        .concat())?;
        run(&[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            &crt,
            "-days",
            "2",
            "-extfile",
            &ext,
        ])?;
    }
    Ok(())
}

/// `redis-server`'s arguments to serve TLS on `tls_port` too, with the certificates
/// [`make_certificates`] made in `dir`; clients are asked for a certificate that CA issued
/// if `client_certificates`.
fn tls_arguments(dir: &Path, tls_port: u16, client_certificates: bool) -> Vec<String> {
    let path = |f: &str| dir.join(f).display().to_string();
    vec![
        "--tls-port".to_owned(),
        tls_port.to_string(),
        "--tls-cert-file".to_owned(),
        path("server.crt"),
        "--tls-key-file".to_owned(),
        path("server.key"),
        "--tls-ca-cert-file".to_owned(),
        path("ca.crt"),
        "--tls-auth-clients".to_owned(),
        if client_certificates { "yes" } else { "no" }.to_owned(),
    ]
}

/// A Redis Cluster of this test's own: three `redis-server` masters (append-only,
/// `appendfsync always`), their 16,384 slots split between them by `redis-cli --cluster
/// create`.
#[derive(Debug)]
pub struct RedisCluster {
    nodes: Vec<RedisServer>,
    cli: PathBuf,
    /// The certificates of a cluster serving TLS ([`RedisCluster::start_tls`]).
    certificates: Option<TempDir>,
}

impl RedisCluster {
    /// Starts one and waits until every node answers `cluster_state:ok`, or reports (see
    /// [`skip`]) that `test` cannot run and answers `None`.
    pub fn start(test: &str) -> Option<Self> {
        started(test, Self::try_start(None))
    }

    /// [`RedisCluster::start`] with every node serving TLS too, on another port, and talking
    /// to the others over TLS (`tls-cluster yes`), with a certificate for `127.0.0.1` that a
    /// certificate authority of this test's own issued ([`RedisCluster::ca_cert`]), both
    /// made with `openssl`. A client connected over TLS learns the nodes' TLS ports.
    pub fn start_tls(test: &str) -> Option<Self> {
        started(test, Self::try_start(Some(false)))
    }

    /// [`RedisCluster::start_tls`] asking every TLS client for a certificate its certificate
    /// authority issued (`tls-auth-clients yes`; the nodes present theirs to each other):
    /// [`RedisCluster::client_cert`] and [`RedisCluster::client_key`].
    pub fn start_mutual_tls(test: &str) -> Option<Self> {
        started(test, Self::try_start(Some(true)))
    }

    /// `tls`: none, or TLS asking clients for certificates or not.
    fn try_start(tls: Option<bool>) -> Result<Self, String> {
        let cli = find_binary("redis-cli", &[])
            .ok_or("redis-cli is not installed (Debian package redis-tools, with redis-server)")?;
        let certificates = match tls {
            Some(_) => {
                let dir = TempDir::new("doku-redis-cluster-tls")
                    .map_err(|e| format!("no temporary dir: {e}"))?;
                make_certificates(dir.path())?;
                Some(dir)
            }
            None => None,
        };
        let node = [
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            "nodes.conf",
            // Long enough that a node stopped by a test for a few seconds is not yet
            // marked failed (without replicas, that stops the whole cluster).
            "--cluster-node-timeout",
            "15000",
        ];
        let nodes = (0..3)
            .map(|_| {
                let mut extra: Vec<String> = node.iter().map(|a| (*a).to_owned()).collect();
                let tls_port = certificates.as_ref().map(|dir| {
                    let port = free_port();
                    extra.extend(tls_arguments(dir.path(), port, tls == Some(true)));
                    extra.extend(["--tls-cluster".to_owned(), "yes".to_owned()]);
                    port
                });
                RedisServer::try_start("always", extra, tls_port)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let cluster = Self {
            nodes,
            cli,
            certificates,
        };
        let created = Command::new(&cluster.cli)
            .args(["--cluster", "create"])
            .args(cluster.addresses())
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run redis-cli: {e}"))?;
        if !created.status.success() {
            return Err(format!(
                "redis-cli --cluster create failed: {}",
                String::from_utf8_lossy(&created.stdout)
            ));
        }
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            let ok = (0..cluster.nodes.len()).all(|i| {
                cluster
                    .cli(i, &["CLUSTER", "INFO"])
                    .is_some_and(|info| info.contains("cluster_state:ok"))
            });
            if ok {
                return Ok(cluster);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err("the Redis Cluster did not reach cluster_state:ok within 20 s".into())
    }

    fn addresses(&self) -> Vec<String> {
        self.addresses_on(|n| Some(n.port)).unwrap_or_default()
    }

    /// `127.0.0.1:{port}` of each node, on the port `port` gives, if every node has one.
    fn addresses_on(&self, port: impl Fn(&RedisServer) -> Option<u16>) -> Option<Vec<String>> {
        self.nodes
            .iter()
            .map(|n| port(n).map(|p| format!("127.0.0.1:{p}")))
            .collect()
    }

    /// `redis-cli -p {node's port} {args}`: its output, if it succeeded.
    fn cli(&self, node: usize, args: &[&str]) -> Option<String> {
        let out = Command::new(&self.cli)
            .args(["-h", "127.0.0.1", "-p", &self.nodes[node].port.to_string()])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `redis://127.0.0.1:{port}/` of each node.
    pub fn node_urls(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::url).collect()
    }

    /// `redis-cluster://127.0.0.1:{port},...`: every node, as a store URL.
    pub fn url(&self) -> String {
        format!("redis-cluster://{}", self.addresses().join(","))
    }

    /// `rediss://127.0.0.1:{TLS port}/` of each node, if it serves TLS
    /// ([`RedisCluster::start_tls`]).
    pub fn tls_node_urls(&self) -> Option<Vec<String>> {
        self.nodes.iter().map(RedisServer::tls_url).collect()
    }

    /// `rediss-cluster://127.0.0.1:{TLS port},...`: every node over TLS, as a store URL, if
    /// it serves TLS ([`RedisCluster::start_tls`]).
    pub fn tls_url(&self) -> Option<String> {
        let addresses = self.addresses_on(|n| n.tls_port)?;
        Some(format!("rediss-cluster://{}", addresses.join(",")))
    }

    /// The file of the certificate authority that issued its nodes' TLS certificate (PEM),
    /// if it serves TLS ([`RedisCluster::start_tls`]).
    pub fn ca_cert(&self) -> Option<PathBuf> {
        self.certificate_file("ca.crt")
    }

    /// The file of a client certificate its certificate authority issued (PEM), if it
    /// serves TLS ([`RedisCluster::start_mutual_tls`]).
    pub fn client_cert(&self) -> Option<PathBuf> {
        self.certificate_file("client.crt")
    }

    /// The file of [`RedisCluster::client_cert`]'s private key (PEM).
    pub fn client_key(&self) -> Option<PathBuf> {
        self.certificate_file("client.key")
    }

    /// `file` of the certificates [`make_certificates`] made, if it serves TLS.
    fn certificate_file(&self, file: &str) -> Option<PathBuf> {
        self.certificates.as_ref().map(|d| d.path().join(file))
    }

    /// How many keys each node holds (`DBSIZE`), in node order.
    pub fn keys_per_node(&self) -> Vec<u64> {
        (0..self.nodes.len())
            .map(|i| {
                self.cli(i, &["DBSIZE"])
                    .and_then(|n| n.trim().parse().ok())
                    .unwrap_or(0)
            })
            .collect()
    }

    /// Stops node `i` (see [`RedisServer::stop`]).
    pub fn stop_node(&mut self, i: usize) {
        self.nodes[i].stop();
    }

    /// Starts node `i` again on its port and directory (its append-only file and
    /// `nodes.conf` restore its keys and its place in the cluster).
    pub fn start_node(&mut self, i: usize) -> Result<(), String> {
        self.nodes[i].restart()
    }
}

/// A PostgreSQL server of this test's own (`initdb` then `postgres`), trusting local
/// connections as user `postgres`.
#[derive(Debug)]
pub struct PostgresServer {
    child: Option<Child>,
    port: u16,
    dir: TempDir,
    bin: PathBuf,
    run_as: Option<String>,
    settings: Vec<String>,
}

/// What [`PostgresServer::start`] runs with: nothing flushed to disk (tests need no
/// durability across a machine crash, and run faster without).
const PG_TEST_SETTINGS: &[&str] = &["fsync=off", "synchronous_commit=off"];

const PG_USER: &str = "dokutest";

/// The directory of the newest Debian PostgreSQL (`/usr/lib/postgresql/N/bin`), else the
/// directory of an `initdb` on the `PATH`.
fn postgres_bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").is_file())
        .collect();
    versions.sort();
    versions
        .pop()
        .or_else(|| find_binary("initdb", &[])?.parent().map(Path::to_path_buf))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

impl PostgresServer {
    /// Starts one, or reports (see [`skip`]) that `test` cannot run and answers `None`.
    /// It runs with `fsync=off` and `synchronous_commit=off`.
    pub fn start(test: &str) -> Option<Self> {
        Self::start_with(test, PG_TEST_SETTINGS)
    }

    /// [`PostgresServer::start`] with these settings (`name=value`, each passed as `-c`)
    /// instead: `&[]` is PostgreSQL's defaults, every commit flushed to disk.
    pub fn start_with(test: &str, settings: &[&str]) -> Option<Self> {
        started(test, Self::try_start(settings))
    }

    /// A PostgreSQL program: beside `initdb`, else on the `PATH`.
    fn tool(&self, name: &str) -> PathBuf {
        let beside = self.bin.join(name);
        if beside.is_file() {
            return beside;
        }
        find_binary(name, &[]).unwrap_or(beside)
    }

    fn command(&self, program: &Path) -> Command {
        match &self.run_as {
            Some(user) => {
                let mut c = Command::new("setpriv");
                c.args([
                    &format!("--reuid={user}"),
                    &format!("--regid={user}"),
                    "--init-groups",
                    "--",
                ])
                .arg(program);
                c
            }
            None => Command::new(program),
        }
    }

    fn try_start(settings: &[&str]) -> Result<Self, String> {
        let bin = postgres_bin_dir()
            .ok_or("PostgreSQL is not installed (Debian package postgresql: initdb, postgres)")?;
        let dir = TempDir::new("doku-pg").map_err(|e| format!("no temporary dir: {e}"))?;
        let run_as = if is_root() {
            let exists = Command::new("id")
                .arg(PG_USER)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !exists {
                let _ = Command::new("useradd")
                    .args([
                        "--system",
                        "--no-create-home",
                        "--shell",
                        "/usr/sbin/nologin",
                    ])
                    .arg(PG_USER)
                    .stderr(Stdio::null())
                    .status();
            }
            let owned = Command::new("chown")
                .args(["-R", PG_USER])
                .arg(dir.path())
                .status()
                .is_ok_and(|s| s.success());
            if !owned {
                return Err(format!(
                    "cannot give {} to user {PG_USER}",
                    dir.path().display()
                ));
            }
            Some(PG_USER.to_owned())
        } else {
            None
        };
        let mut server = Self {
            child: None,
            port: free_port(),
            dir,
            bin,
            run_as,
            settings: settings.iter().map(|s| (*s).to_owned()).collect(),
        };
        let data = server.dir.path().join("data");
        let out = server
            .command(&server.tool("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run initdb: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        server.spawn()?;
        Ok(server)
    }

    fn spawn(&mut self) -> Result<(), String> {
        let log = std::fs::File::create(self.dir.path().join("postgres.log"))
            .map_err(|e| format!("cannot create the server log: {e}"))?;
        let child = self
            .command(&self.tool("postgres"))
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-p", &self.port.to_string()])
            .arg("-k")
            .arg(self.dir.path())
            .args([
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "max_connections=300",
            ])
            .args(self.settings.iter().flat_map(|s| ["-c", s.as_str()]))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start postgres: {e}"))?;
        self.child = Some(child);
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            let ready = Command::new(self.tool("pg_isready"))
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-q"])
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                return Ok(());
            }
            if let Some(Ok(Some(_))) = self.child.as_mut().map(Child::try_wait) {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let log = std::fs::read_to_string(self.dir.path().join("postgres.log")).unwrap_or_default();
        self.stop();
        Err(format!("postgres did not start: {}", log.trim()))
    }

    /// Gives the server `segments` recycled WAL segment files (16 MB each), as a server
    /// that has run for a while has: it switches to a new segment that many times, then
    /// checkpoints, which keeps the segments it no longer needs for reuse (up to
    /// `max_wal_size`, 1 GB by default). A fresh server instead creates and zero-fills a
    /// segment each time its WAL fills one, and with `fsync` on every commit waits for that
    /// meanwhile (measured: 14 to 16 ms on this machine's disk, every 16 MB of WAL).
    pub fn recycle_wal(&self, segments: u32) -> Result<(), String> {
        let switches = format!(
            "DO $$ BEGIN FOR i IN 1..{segments} LOOP
                 INSERT INTO doku_testkit_wal VALUES (i);
                 PERFORM pg_switch_wal();
             END LOOP; END $$"
        );
        let out = Command::new(self.tool("psql"))
            .args([&self.url(), "-q", "-v", "ON_ERROR_STOP=1"])
            .args(["-c", "DROP TABLE IF EXISTS doku_testkit_wal"])
            .args([
                "-c",
                "CREATE TABLE doku_testkit_wal (n int)",
                "-c",
                &switches,
            ])
            .args(["-c", "DROP TABLE doku_testkit_wal", "-c", "CHECKPOINT"])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run psql: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "psql failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }

    /// `postgres://postgres@127.0.0.1:{port}/postgres`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server (fast shutdown, `SIGINT`; `SIGKILL` after 10 s).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal(child.id(), "INT");
            wait_or_kill(&mut child, Duration::from_secs(10));
        }
    }

    /// Starts it again on the same port and data directory.
    pub fn restart(&mut self) -> Result<(), String> {
        self.stop();
        self.spawn()
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        self.stop();
    }
}
