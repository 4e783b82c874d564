import subprocess
import sys

import pytest

from civicpact import settings as s
from tests.production import ROOT, production_env


def test_env_bool_reads_common_spellings(monkeypatch):
    monkeypatch.setenv("X_FLAG", "Yes")
    assert s.env_bool("X_FLAG") is True
    monkeypatch.setenv("X_FLAG", "off")
    assert s.env_bool("X_FLAG", default=True) is False


def test_env_bool_refuses_nonsense_with_the_variable_name(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ValueError, match="X_FLAG must be true or false"):
        s.env_bool("X_FLAG")


def test_env_secret_reads_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("s3cret\n")
    monkeypatch.delenv("X_SECRET", raising=False)
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    assert s.env_secret("X_SECRET") == "s3cret"


def test_the_secret_key_is_generated_once_into_the_data_directory():
    key_file = s.DATA_DIR / "secret_key"
    if s.env_secret("SECRET_KEY"):
        pytest.skip("SECRET_KEY is set in this environment")
    assert key_file.read_text().strip() == s.SECRET_KEY
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - this interpreter and our own command
        [sys.executable, "-m", "civicpact.cli", *args], env=env, capture_output=True, text=True, check=False, cwd=ROOT
    )


def test_production_without_allowed_hosts_stops_naming_the_variable(tmp_path):
    env = production_env(tmp_path / "data")
    del env["ALLOWED_HOSTS"]
    result = run_cli(env, "migrate")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "civicpact migrate: ALLOWED_HOSTS must be set when CIVICPACT_ENV=production: the host names the proxy forwards"
    )


def test_an_unknown_environment_name_is_refused(tmp_path):
    result = run_cli(production_env(tmp_path / "data", CIVICPACT_ENV="staging"), "migrate")
    assert result.returncode == 2
    assert "CIVICPACT_ENV must be one of development, production, not 'staging'" in result.stderr
