"""``config``: regup.toml is read strictly; web addresses must be absolute http(s) URLs."""

from __future__ import annotations

from pathlib import Path

import pytest

from regup.config import Config, web_url
from regup.errors import ConfigError
from tests.helpers import run_subprocess, write_registry


def write_config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "regup.toml"
    path.write_text(f"[registry]\n{body}\n")
    return path


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)//https://x",
        "data:text/html,hi",
        "/relative/path",
        "example.com/registry",
        "https://",
        "https://exa mple.com/",
        "https://example.com/\x1b[2J",
        "ftp://example.com/",
    ],
)
@pytest.mark.parametrize("key", ["base_url", "repository_url"])
def test_a_web_address_that_is_not_http_is_refused(tmp_path: Path, key: str, value: str) -> None:
    path = write_config(tmp_path, f"{key} = {value!r}".replace("'", '"'))
    with pytest.raises(ConfigError, match=f"registry.{key}: |not valid TOML"):
        Config.from_toml(path)


def test_http_addresses_are_kept_without_trailing_slashes(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        'base_url = "https://example.github.io/registry/"\n'
        'repository_url = "http://git.example.com/reg"',
    )
    config = Config.from_toml(path)
    assert config.base_url == "https://example.github.io/registry"
    assert config.repository_url == "http://git.example.com/reg"


def test_web_url_says_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="not an absolute http:// or https:// URL"):
        web_url("javascript:alert(1)")
    assert web_url("HTTPS://Example.com//") == "HTTPS://Example.com"


def test_unknown_keys_and_tables_are_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown key"):
        Config.from_toml(write_config(tmp_path, 'base_ulr = "https://x.example"'))
    (tmp_path / "regup.toml").write_text('[registy]\nname = "x"\n')
    with pytest.raises(ConfigError, match="unknown table"):
        Config.from_toml(tmp_path / "regup.toml")


def test_the_cli_refuses_a_script_base_url_in_the_config(tmp_path: Path) -> None:
    write_registry(tmp_path / "registry")
    write_config(tmp_path, 'base_url = "javascript:alert(1)"')
    result = run_subprocess(["build", "--out", "dist"], cwd=tmp_path)
    assert result.returncode == 1
    assert "Error:" in result.stderr and "registry.base_url" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "dist").exists()


def test_a_tag_vocabulary_is_a_sorted_list_of_tags(tmp_path: Path) -> None:
    config = Config.from_toml(write_config(tmp_path, 'tags = ["web", "database", "web"]'))
    assert config.tags == ("database", "web")
    for body, message in (
        ('tags = "web"', "registry.tags must be a list of strings"),
        ("tags = [1]", "registry.tags must be a list of strings"),
        ('tags = ["Web Pages"]', "'Web Pages' is not a tag"),
    ):
        with pytest.raises(ConfigError, match=message):
            Config.from_toml(write_config(tmp_path, body))


def test_validate_and_build_warn_of_tags_outside_the_vocabulary(tmp_path: Path) -> None:
    from tests.helpers import container

    write_registry(tmp_path / "registry", fetch=container(tags=["web", "scraping"]))
    write_config(tmp_path, 'namespace = "io.example"\ntags = ["web"]')
    for args in (["validate"], ["validate", "--strict"]):
        result = run_subprocess(args, cwd=tmp_path)
        assert "tag-unknown" in result.stdout and "'scraping'" in result.stdout
        assert result.returncode == (1 if "--strict" in args else 0)
    built = run_subprocess(["build", "--out", "dist", "--no-site"], cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert "1 warning(s)" in built.stderr  # build counts it; validate shows it
