import pytest

from civicpact import settings as s


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
