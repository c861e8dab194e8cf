"""The deployment of deploy/ started locally, for the tests that prove it: granian and the task
worker from the ExecStart lines of the systemd units, nginx from deploy/nginx/jianfu.conf.

systemd cannot run here (no PID 1 of ours, no root-owned /run), so a unit is read the way systemd
reads it — its Environment= lines, then the caller's environment in place of EnvironmentFile=,
then ${VAR} in ExecStart= — with the unit's fixed paths moved into a temporary directory.
"""

import contextlib
import datetime as dt
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
# The paths the units and the nginx file name on a server.
SERVER_ROOT = "/srv/jianfu"
SERVER_RUN = "/run/jianfu"
SERVER_VAR = "/var/lib/jianfu"


def unit_service(name: str) -> dict[str, list[str]]:
    """The [Service] section of deploy/systemd/<name>: key -> values, in order."""
    section, found = None, {}
    for raw in (DEPLOY / "systemd" / name).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line
            continue
        if section == "[Service]":
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


def unit_command(
    name: str, *, env: dict[str, str], paths: dict[str, str]
) -> tuple[list[str], dict[str, str]]:
    """ExecStart of the unit as argv, and the environment it runs in. `env` stands for what the
    EnvironmentFile holds (it overrides Environment=, as in systemd); `paths` maps the server's
    paths to local ones."""

    def local(text: str) -> str:
        for server_path, here in paths.items():
            text = text.replace(server_path, here)
        return text

    service = unit_service(name)
    environment: dict[str, str] = {}
    for assignment in service.get("Environment", []):
        key, _, value = assignment.partition("=")
        environment[key] = local(value)
    environment.update(env)
    (line,) = service["ExecStart"]
    line = re.sub(r"\$\{(\w+)\}", lambda m: environment[m.group(1)], local(line))
    return shlex.split(line), environment


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as an operator's would be."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def render_nginx(
    folder: Path, *, socket_path: Path, static_root: Path, https_port: int, http_port: int
) -> Path:
    """deploy/nginx/jianfu.conf with its server paths and ports made local, inside a minimal
    nginx.conf of the test's own (nginx's main file is the distribution's, not ours)."""
    cert, key = self_signed(folder)
    site = (DEPLOY / "nginx" / "jianfu.conf").read_text()
    replacements = {
        f"unix:{SERVER_RUN}/web.sock": f"unix:{socket_path}",
        f"{SERVER_ROOT}/static/": f"{static_root}/",
        "/etc/ssl/jianfu/fullchain.pem": str(cert),
        "/etc/ssl/jianfu/privkey.pem": str(key),
        "/var/log/nginx/": f"{folder}/",
    }
    for server_value, here in replacements.items():
        assert server_value in site, f"deploy/nginx/jianfu.conf no longer names {server_value}"
        site = site.replace(server_value, here)
    site = re.sub(r"listen \[::\]:\d+[^;]*;\n", "", site)
    site = re.sub(r"listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl", site)
    site = re.sub(r"listen 80;", f"listen 127.0.0.1:{http_port};", site)
    (folder / "jianfu.conf").write_text(site)
    mime = "/etc/nginx/mime.types"
    user = "user root root;\n" if os.geteuid() == 0 else ""
    main = f"""{user}daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include {mime};
    default_type application/octet-stream;
    sendfile on;
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/jianfu.conf;
}}
"""
    conf = folder / "nginx.conf"
    conf.write_text(main)
    return conf


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )
    if found is None:
        raise RuntimeError("nginx is needed by the deployment tests: `make test` installs it")
    return found


class Processes:
    """Child processes of a test, each leading its own process group, stopped with SIGTERM (as
    systemd stops a unit) and killed if they linger."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: list[str], env: dict[str, str], cwd: Path = ROOT):
        log = (self.log_dir / f"{name}.log").open("ab")
        self.running[name] = subprocess.Popen(
            argv,
            env=env,
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        return self.running[name]

    def log(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop(self, name: str, timeout: float = 30) -> int:
        process = self.running.pop(name)
        with _suppress_lookup():
            os.killpg(process.pid, signal.SIGTERM)
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with _suppress_lookup():
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise

    def stop_all(self) -> None:
        for name in list(self.running):
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.stop(name)


def wait_for(check, what: str, process: subprocess.Popen | None = None, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if result := check():
                return result
        except httpx.HTTPError:
            pass
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with {process.returncode}")
        time.sleep(0.2)
    raise RuntimeError(f"{what}: not in {timeout} s")


class _suppress_lookup:
    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        return kind is ProcessLookupError


def _die_with_parent() -> None:
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def python_env(base: dict[str, str]) -> dict[str, str]:
    """The test process's environment without pytest's, plus `base`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(PYTHONPATH=str(ROOT), **base)
    return env


# The virtualenv this test runs in stands for the server's /srv/jianfu/.venv.
VENV = sys.prefix
