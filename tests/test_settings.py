import os
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


def test_env_secret_refuses_both_the_value_and_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("from-file")
    monkeypatch.setenv("X_SECRET", "from-env")
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    with pytest.raises(ValueError, match="set X_SECRET or X_SECRET_FILE, not both"):
        s.env_secret("X_SECRET")


def test_env_secret_names_the_variable_of_a_missing_or_empty_file(monkeypatch, tmp_path):
    monkeypatch.delenv("X_SECRET", raising=False)
    monkeypatch.setenv("X_SECRET_FILE", str(tmp_path / "absent"))
    with pytest.raises(ValueError, match=r"X_SECRET_FILE: cannot read .*absent: No such file or directory"):
        s.env_secret("X_SECRET")
    (tmp_path / "empty").write_text("\n")
    monkeypatch.setenv("X_SECRET_FILE", str(tmp_path / "empty"))
    with pytest.raises(ValueError, match=r"X_SECRET_FILE: .*empty is empty"):
        s.env_secret("X_SECRET")


def test_a_list_of_secrets_reads_commas_or_lines_from_a_file(monkeypatch, tmp_path):
    keys = tmp_path / "retired"
    keys.write_text("first\nsecond, third\n")
    monkeypatch.delenv("X_KEYS", raising=False)
    monkeypatch.setenv("X_KEYS_FILE", str(keys))
    assert s.env_secret_list("X_KEYS") == ["first", "second", "third"]


def _settings_in_a_child(env: dict[str, str], expression: str) -> subprocess.CompletedProcess[str]:
    code = f"import civicpact.settings as s; print({expression})"
    return subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, env=env
    )


@pytest.mark.parametrize(
    ("variable", "expression", "value"),
    [
        ("DATABASE_PASSWORD", "s.DATABASES['default']['PASSWORD']", "db-pass-from-a-file"),
        ("DATABASE_URL", "s.DATABASES['default']['NAME']", "civicpact_from_file"),
        ("EMAIL_HOST_PASSWORD", "s.EMAIL_HOST_PASSWORD", "smtp-pass-from-a-file"),
        ("CIVICPACT_BACKUP_PASSPHRASE", "s.CIVICPACT_BACKUP_PASSPHRASE", "a long passphrase from a file"),
        ("CIVICPACT_BID_MASTER_KEYS_RETIRED", "s.CIVICPACT_BID_MASTER_KEYS_RETIRED", "['a2V5', 'b3Rocg==']"),
        ("REDIS_URL", "s.CACHES['default']['LOCATION']", "redis://:pw@cache:6379/0"),
    ],
)
def test_every_secret_can_come_from_a_file(tmp_path, variable, expression, value):
    contents = {
        "DATABASE_URL": "postgres://civicpact:pw@db:5432/civicpact_from_file",
        "CIVICPACT_BID_MASTER_KEYS_RETIRED": "a2V5\nb3Rocg==",
    }.get(variable, value)
    (tmp_path / "secret").write_text(contents + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(variable)}
    env.update({f"{variable}_FILE": str(tmp_path / "secret"), "CIVICPACT_DATA_DIR": str(tmp_path / "data")})
    result = _settings_in_a_child(env, expression)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == value


def test_an_unreadable_secret_file_stops_the_command_with_exit_2_naming_it(tmp_path):
    env = {**os.environ, "SECRET_KEY_FILE": str(tmp_path / "absent"), "CIVICPACT_DATA_DIR": str(tmp_path / "data")}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-m", "civicpact.cli", "verify-audit"], capture_output=True, text=True, check=False, env=env
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"civicpact verify-audit: SECRET_KEY_FILE: cannot read {tmp_path / 'absent'}: No such file or directory"
    ]


def test_a_token_lifetime_longer_than_the_maximum_is_refused(tmp_path):
    env = {**os.environ, "CIVICPACT_API_TOKEN_DAYS": "400", "CIVICPACT_DATA_DIR": str(tmp_path / "data")}
    result = _settings_in_a_child(env, "s.CIVICPACT_API_TOKEN_DAYS")
    assert result.returncode == 1
    assert "CIVICPACT_API_TOKEN_DAYS must be from 1 to CIVICPACT_API_TOKEN_MAX_DAYS (365), not 400" in result.stderr
