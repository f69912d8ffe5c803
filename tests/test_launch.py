"""Programs Partita launches get the user's environment, not the bundle's."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from core import app
from core.launch import open_external, start_detached

# Stands in for xdg-open: records its arguments and environment, then exits.
RECORDER = """#!{python}
import json, os, sys
out = {out!r}
with open(out + ".part", "w") as handle:
    json.dump({{"argv": sys.argv[1:], "env": dict(os.environ)}}, handle)
os.rename(out + ".part", out)
"""


@pytest.fixture
def recorder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake ``xdg-open`` first on PATH; returns the file it will write."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    out = tmp_path / "recorded.json"
    script = bin_dir / "xdg-open"
    script.write_text(RECORDER.format(python=sys.executable, out=str(out)))
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return out


@pytest.fixture
def bundle_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """What PyInstaller's bootloader leaves in a bundled app's environment."""
    monkeypatch.setenv("LD_LIBRARY_PATH", "/opt/partita/_internal:/home/user/lib")
    monkeypatch.setenv("LD_LIBRARY_PATH_ORIG", "/home/user/lib")


def _recorded(qtbot, out: Path) -> dict[str, object]:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(out.exists, timeout=10_000)
    recorded: dict[str, object] = json.loads(out.read_text())
    return recorded


@pytest.mark.usefixtures("bundle_environment")
def test_opened_file_gets_the_users_library_path(qtbot, recorder: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "-looks like an option.pdf"
    open_external(str(target))
    recorded = _recorded(qtbot, recorder)
    assert recorded["argv"] == [target.as_uri()]
    env = recorded["env"]
    assert isinstance(env, dict)
    assert env["LD_LIBRARY_PATH"] == "/home/user/lib"
    assert "LD_LIBRARY_PATH_ORIG" not in env
    assert app.ORIGINAL_XDG_ENV not in env
    # Our own process keeps its adjusted values.
    assert os.environ["LD_LIBRARY_PATH"].startswith("/opt/partita/_internal")


def test_user_xdg_data_home_is_restored(  # type: ignore[no-untyped-def]
    qtbot, qapp, recorder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(app.ORIGINAL_XDG_ENV, "/home/user/.data")
    open_external("https://example.org/?q=a%20b&r=ü")
    recorded = _recorded(qtbot, recorder)
    assert recorded["argv"] == ["https://example.org/?q=a%20b&r=%C3%BC"]
    env = recorded["env"]
    assert isinstance(env, dict)
    assert env["XDG_DATA_HOME"] == "/home/user/.data"
    assert os.environ["XDG_DATA_HOME"] != "/home/user/.data"


@pytest.mark.parametrize("bad", ["", "relative/file.txt", "-rf", "https://bad url"])
def test_bad_targets_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match=r"bad url|nothing to open|not an absolute path"):
        open_external(bad)


def test_missing_program_raises(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="no-such-program"):
        start_detached([str(tmp_path / "no-such-program")])
    with pytest.raises(ValueError, match="non-empty"):
        start_detached([])
