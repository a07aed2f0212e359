"""Every entry point reads the installation's environment file and fails in one line, not a traceback."""

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiliang.config import ConfigurationError, parse_env_file

JILIANG = Path(sys.executable).parent / "jiliang"
SECRET = "Wq8-ZpL3vNc_T7yRk2Hd9XfJmB4sGa6Ue1Qo5Yi0Cw-Ex" * 2


def bare_environment(tmp_path, **extra) -> dict[str, str]:
    """What cron gives a command: no JILIANG_ variable, no DATABASE_URL, HOME somewhere else."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home"), "LANG": "C.UTF-8"}
    return {**env, **extra}


def write_env_file(tmp_path, **values) -> Path:
    settings = {"JILIANG_ENV": "production", "JILIANG_SECRET_KEY": SECRET,
                "JILIANG_ALLOWED_HOSTS": "jl.example.cn", "JILIANG_VAR_DIR": str(tmp_path / "var"),
                "JILIANG_STATIC_ROOT": str(tmp_path / "static"), **values}
    path = tmp_path / "jiliang.env"
    path.write_text("# the installation's settings\n" + "".join(
        f"{name}='{value}'\n" for name, value in settings.items() if value is not None))
    return path


def run(command, env, **options) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, **options)


def test_a_command_run_as_cron_runs_it_reads_the_environment_file(tmp_path):
    env_file = write_env_file(tmp_path)
    result = run([str(JILIANG), "shell", "-v0", "-c", "from django.conf import settings; print(settings.JILIANG_ENV)"],
                 bare_environment(tmp_path, JILIANG_ENV_FILE=str(env_file)), cwd=tmp_path)
    assert result.stdout.strip() == "production", result.stderr
    assert not (tmp_path / "home").exists()
    assert not (tmp_path / "var" / "secret_key").exists()


def test_the_environment_already_set_wins_over_the_file(tmp_path):
    env_file = write_env_file(tmp_path)
    result = run([str(JILIANG), "shell", "-v0", "-c", "from django.conf import settings; print(settings.ALLOWED_HOSTS)"],
                 bare_environment(tmp_path, JILIANG_ENV_FILE=str(env_file), JILIANG_ALLOWED_HOSTS="other.cn"))
    assert result.stdout.strip() == "['other.cn']", result.stderr


@pytest.mark.parametrize(("change", "named"), [
    ({"JILIANG_SECRET_KEY": None}, "JILIANG_SECRET_KEY"),
    ({"JILIANG_LOGIN_FAILURE_LIMIT": "five"}, "JILIANG_LOGIN_FAILURE_LIMIT"),
])
def test_a_bad_setting_is_one_line_not_a_traceback(tmp_path, change, named):
    env_file = write_env_file(tmp_path, **change)
    result = run([str(JILIANG), "check"], bare_environment(tmp_path, JILIANG_ENV_FILE=str(env_file)))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("jiliang: configuration error:") and named in result.stderr


def test_a_named_environment_file_that_is_missing_is_an_error(tmp_path):
    result = run([str(JILIANG), "check"], bare_environment(tmp_path, JILIANG_ENV_FILE=str(tmp_path / "nowhere.env")))
    assert result.returncode == 2 and "nowhere.env" in result.stderr and "Traceback" not in result.stderr


def test_the_web_server_refuses_to_start_without_collected_static_files(tmp_path):
    env_file = write_env_file(tmp_path)
    env = bare_environment(tmp_path, JILIANG_ENV_FILE=str(env_file))
    result = run([sys.executable, "-c", "import jiliang.wsgi"], env)
    assert result.returncode == 4
    assert "collectstatic" in result.stderr and "Traceback" not in result.stderr
    assert run([str(JILIANG), "collectstatic", "--noinput", "-v0"], env).returncode == 0
    assert run([sys.executable, "-c", "import jiliang.wsgi"], env).returncode == 0


def test_env_file_syntax_errors_name_the_line():
    with pytest.raises(ConfigurationError, match="line 2"):
        parse_env_file("A=1\nnot a setting\n")


names = st.from_regex(r"[A-Z_][A-Z0-9_]{0,20}", fullmatch=True)
values = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="'\"#"),
                 max_size=40).map(str.strip)


@given(st.dictionaries(names, values, max_size=8))
def test_env_file_round_trip(settings):
    text = "# comment\n\n" + "".join(f"{name}='{value}'\n" for name, value in settings.items())
    assert parse_env_file(text) == settings
