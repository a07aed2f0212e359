"""deploy/ stays in step with the code: every unit reads the one environment file as the service
user and runs a command that exists."""

import re
import shlex
from pathlib import Path

import pytest
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))


def exec_start(unit: Path) -> list[str]:
    text = unit.read_text().replace("\\\n", " ")
    return shlex.split(re.search(r"^ExecStart=(.*)$", text, re.M).group(1))


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_a_unit_reads_the_environment_file_as_the_service_user(unit):
    text = unit.read_text()
    assert "EnvironmentFile=/etc/jiliang/jiliang.env" in text
    assert "User=jiliang" in text and "ReadWritePaths=/var/lib/jiliang" in text


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_a_unit_runs_a_command_that_exists(unit):
    program, *args = exec_start(unit)
    assert program.startswith("/opt/jiliang/venv/bin/")
    if program.endswith("/jiliang"):
        assert args[0] in get_commands(), f"{unit.name}: `jiliang {args[0]}` does not exist"
    else:
        assert program.endswith("/gunicorn") and args[0] == "jiliang.wsgi"


def test_the_nginx_site_forwards_what_the_platform_reads():
    site = (ROOT / "deploy" / "nginx" / "jiliang.conf").read_text()
    for line in ("proxy_set_header X-Forwarded-Proto $scheme;", "proxy_set_header X-Forwarded-For",
                 "proxy_set_header Host $host;", "client_max_body_size", "proxy_read_timeout", "ssl_certificate "):
        assert line in site
    assert "alias /var/lib/jiliang/static/;" in site
