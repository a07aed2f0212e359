"""The README's production steps with the real commands: a fresh venv with the checkout installed
as the README installs it (`pip install '.[production]'`, not the test venv's editable install, so
a file missing from the package fails here), an environment file, migrate, init,
collectstatic, createuser without a terminal (on an SQLite file of its own: the restore drill
runs the commands on PostgreSQL), then the web unit's own gunicorn command line
(deploy/systemd/jiliang-web.service) behind a TLS-terminating stand-in for nginx that sets
X-Forwarded-Proto and X-Forwarded-For, as deploy/nginx/jiliang.conf does; a user signs in over
https, the client's address reaches the audit log, and the probes answer."""

import asyncio
import datetime
import hashlib
import http.cookiejar
import os
import re
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parents[2]
# What a checkout holds besides the sources: the test venv, runtime files, build leftovers.
NOT_SHIPPED = shutil.ignore_patterns(".venv", "var", ".git", "build", "dist", "*.egg-info", "__pycache__", "*.pyc",
                                     ".pytest_cache", ".hypothesis", "test-results", "node_modules")
SECRET = "Wq8-ZpL3vNc_T7yRk2Hd9XfJmB4sGa6Ue1Qo5Yi0Cw-Ex" * 2
PASSWORD = "Tongjiang-Metre-2026"
CLIENT = "198.51.100.23"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wheelhouse(checkout: Path) -> Path:
    """The dependencies' wheels (and the build backend's), made once per pyproject.toml and kept
    in the user's cache: resolving them on the index is most of an install's time. The checkout's
    own wheel is never kept: it is built from the sources at every run."""
    digest = hashlib.sha256((checkout / "pyproject.toml").read_bytes()).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "jiliang-tests"
    house = cache / f"wheels-{digest}"
    if not house.is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(dir=cache))
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(building),
                        f"{checkout}[production]", "setuptools>=69", "wheel"], check=True, timeout=900)
        for own in building.glob("jiliang-*.whl"):
            own.unlink()
        try:
            building.rename(house)
        except OSError:  # another run made it meanwhile
            shutil.rmtree(building)
    return house


@pytest.fixture(scope="module")
def fresh_bin(tmp_path_factory) -> Path:
    """The bin folder of a new venv with a copy of the checkout installed in it, as the README
    installs it, from the dependencies' cached wheels (the copy keeps the build's files out of the
    checkout)."""
    folder = tmp_path_factory.mktemp("fresh-install")
    checkout = folder / "checkout"
    shutil.copytree(ROOT, checkout, ignore=NOT_SHIPPED)
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300)
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
                              "--quiet", "--no-compile", "--no-index", "--find-links", str(wheelhouse(checkout)),
                              f"{checkout}[production]"], capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stderr[-4000:]
    shutil.rmtree(checkout)
    return venv / "bin"


def web_unit_command(bin_dir: Path, port: int) -> list[str]:
    """The ExecStart of the web unit, with the fresh venv's gunicorn and a free port."""
    unit = (ROOT / "deploy" / "systemd" / "jiliang-web.service").read_text()
    line = re.search(r"^ExecStart=(.*?)(?<!\\)$", unit.replace("\\\n", " "), re.M).group(1)
    command = shlex.split(line)
    command[0] = str(bin_dir / "gunicorn")
    return [f"127.0.0.1:{port}" if arg == "127.0.0.1:8000" else arg for arg in command]


def self_signed(directory: Path) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
                   .sign(key, hashes.SHA256()))
    (directory / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (directory / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(directory / "cert.pem", directory / "key.pem")
    return context


class TlsStandIn:
    """nginx's part: terminate TLS, add the forwarded headers, pass one request per connection on."""

    def __init__(self, context: ssl.SSLContext, upstream: int):
        self.context, self.upstream, self.port = context, upstream, free_port()
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        asyncio.run_coroutine_threadsafe(self._serve(), self.loop).result(10)

    async def _serve(self):
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, ssl=self.context)

    async def _handle(self, reader, writer):
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, _, headers = head.partition(b"\r\n")
            forwarded = f"X-Forwarded-Proto: https\r\nX-Forwarded-For: {CLIENT}\r\n".encode()
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream)
            up_writer.write(request_line + b"\r\n" + forwarded + headers)
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            writer.close()

    @staticmethod
    async def _pipe(source, target):
        try:
            while data := await source.read(65536):
                target.write(data)
                await target.drain()
        finally:
            if target.can_write_eof():
                target.write_eof()

    async def _shut(self):
        self.server.close()
        pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def close(self):
        asyncio.run_coroutine_threadsafe(self._shut(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)


@pytest.fixture
def installation(tmp_path, fresh_bin):
    env_file = tmp_path / "jiliang.env"
    settings = {"JILIANG_ENV": "production", "JILIANG_SECRET_KEY": SECRET, "JILIANG_ALLOWED_HOSTS": "localhost",
                "JILIANG_VAR_DIR": str(tmp_path / "var"), "JILIANG_STATIC_ROOT": str(tmp_path / "static"),
                "JILIANG_LEDGER_ORIGIN": "jiliang.install.test/log", "JILIANG_LOG_LEVEL": "INFO"}
    env_file.write_text("".join(f"{name}={value}\n" for name, value in settings.items()))
    env = {"PATH": f"{fresh_bin}:/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8", "JILIANG_ENV_FILE": str(env_file)}
    return env, tmp_path


def run(env, *args, stdin=None):
    jiliang = Path(env["PATH"].split(":", 1)[0]) / "jiliang"
    result = subprocess.run([str(jiliang), *args], env=env, input=stdin, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_production_steps_serve_https_sign_in_through_the_proxy(installation, fresh_bin):
    env, tmp_path = installation
    installed = subprocess.run([str(fresh_bin / "python"), "-c", "import jiliang; print(jiliang.__file__)"],
                               capture_output=True, text=True, check=True).stdout
    assert Path(installed.strip()).is_relative_to(fresh_bin.parent), "the fresh venv runs its own copy, not the checkout"
    run(env, "migrate", "-v0")
    run(env, "init", "--origin", "jiliang.install.test/log")
    run(env, "collectstatic", "--noinput", "-v0")
    run(env, "createuser", "bazhou-officer", "--role", "county_regulator", "--division", "511902",
        "--password-stdin", stdin=PASSWORD + "\n")
    web_port = free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    gunicorn = subprocess.Popen(web_unit_command(fresh_bin, web_port), env=env, stdout=log, stderr=subprocess.STDOUT,
                                cwd=tmp_path)
    proxy = TlsStandIn(self_signed(tmp_path), web_port)
    try:
        base = f"https://localhost:{proxy.port}"
        client_context = ssl.create_default_context(cafile=str(tmp_path / "cert.pem"))
        cookies = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=client_context),
                                             urllib.request.HTTPCookieProcessor(cookies))
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/readyz", timeout=5) as ready:
                    assert ready.status == 200
                    break
            except OSError:
                assert gunicorn.poll() is None, (tmp_path / "gunicorn.log").read_text()
                time.sleep(0.5)
        with opener.open(f"{base}/login/") as page:
            assert page.status == 200
        token = next(c.value for c in cookies if c.name == "csrftoken")
        assert all(c.secure for c in cookies)
        form = urllib.parse.urlencode({"username": "bazhou-officer", "password": PASSWORD,
                                       "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(f"{base}/login/", data=form, headers={"Referer": f"{base}/login/"})
        with opener.open(request) as signed_in:
            assert signed_in.status == 200 and signed_in.url == f"{base}/"
        assert any(c.name == "sessionid" and c.secure for c in cookies)
    finally:
        proxy.close()
        gunicorn.terminate()
        gunicorn.wait(30)
        log.close()
    audit = run(env, "shell", "-v0", "-c", "from jiliang.accounts.models import AuditEvent as A;"
                "print(A.objects.filter(action='login.success').values_list('ip_address', flat=True).first())")
    assert audit.strip() == CLIENT
    output = (tmp_path / "gunicorn.log").read_text()
    assert f'{CLIENT} "POST /login/" 302' in output
    assert "Traceback" not in output
