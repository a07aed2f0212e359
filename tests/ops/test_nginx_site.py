"""deploy/nginx/jiliang.conf is a site nginx accepts: `nginx -t` on a main configuration that
includes it, with the site's certificate and log paths moved into a scratch folder (the test
runs where /etc/ssl/jiliang does not exist). Skipped where nginx is not installed; CI installs it
(.ci/run)."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# /usr/sbin is not on every user's PATH (Debian puts nginx there).
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")


def scratch_site(folder: Path) -> Path:
    """The site with its machine paths pointing into ``folder`` and a self-signed pair there."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-subj", "/CN=jiliang.example.gov.cn", "-days", "1", "-keyout", str(folder / "privkey.pem"),
                    "-out", str(folder / "fullchain.pem")], check=True, capture_output=True)
    text = (ROOT / "deploy" / "nginx" / "jiliang.conf").read_text()
    for machine_path in ("/etc/ssl/jiliang/", "/var/log/nginx/"):
        assert machine_path in text
        text = text.replace(machine_path, f"{folder}/")
    site = folder / "jiliang.conf"
    site.write_text(text)
    return site


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx-light)")
def test_the_nginx_site_passes_nginx_t(tmp_path):
    site = scratch_site(tmp_path)
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        "http {\n"
        f"    client_body_temp_path {tmp_path}/body;\n    proxy_temp_path {tmp_path}/proxy;\n"
        f"    access_log {tmp_path}/access.log;\n"
        f"    include {site};\n"
        "}\n"
    )
    result = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(main)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr
