"""The built bundle (packaging/build.sh): its self-test, its size, the sandbox, launched programs.

Skipped unless ``PARTITA_BUNDLE_DIR`` names a built bundle (``dist/partita``); CI builds one
and runs ``PARTITA_BUNDLE_DIR=dist/partita pytest -m bundle``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from core import app

BUNDLE = os.environ.get("PARTITA_BUNDLE_DIR", "")
MAX_SIZE = 480 * 1024 * 1024  # the limit, in du's megabytes (MiB)
NOBODY = 65534

pytestmark = [
    pytest.mark.bundle,
    pytest.mark.skipif(not BUNDLE, reason="PARTITA_BUNDLE_DIR is not set (packaging/build.sh)"),
]


def _executable() -> Path:
    path = Path(BUNDLE) / "partita"
    assert path.is_file(), f"no executable at {path}"
    return path


def _self_test(tmp_path: Path, prefix: tuple[str, ...] = (), **env: str) -> str:
    environment = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "QT_QPA_PLATFORM": "offscreen",
        **env,
    }
    result = subprocess.run(
        [*prefix, str(_executable()), "--self-test"],
        capture_output=True, text=True, timeout=120, env=environment, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("self-test OK"), result.stdout
    return result.stdout


def _disk_usage(root: Path) -> int:
    """What ``du`` counts: allocated blocks of every file, link and folder, once each."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files, "."]:
            info = os.lstat(os.path.join(folder, name))
            if (info.st_dev, info.st_ino) not in seen:
                seen.add((info.st_dev, info.st_ino))
                total += info.st_blocks * 512
    return total


def test_self_test_passes_offscreen(tmp_path: Path) -> None:
    out = _self_test(tmp_path)
    assert "5242880 bytes downloaded" in out


def test_bundle_is_under_480_mb() -> None:
    size = _disk_usage(Path(BUNDLE))
    files = sum(len(names) for _, _, names in os.walk(BUNDLE))
    print(f"bundle: {size / 2**20:.0f} MiB, {files} files")
    assert size < MAX_SIZE


def test_launched_programs_get_the_users_library_path(tmp_path: Path) -> None:
    out = _self_test(tmp_path, LD_LIBRARY_PATH="/opt/user-libs")
    assert out.rstrip().endswith("LD_LIBRARY_PATH is /opt/user-libs")
    out = _self_test(tmp_path)
    assert out.rstrip().endswith("LD_LIBRARY_PATH is <unset>")


def test_sandbox_is_off_only_for_root(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        # Unprivileged: on, unless this machine has no user namespaces to run it in.
        expected = "sandbox on" if app._sandbox_usable() else "sandbox off"
        assert expected in _self_test(tmp_path)
        return
    assert "sandbox off" in _self_test(tmp_path)
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv is needed to run the bundle as an unprivileged user")
    if not all(folder.stat().st_mode & 0o001 for folder in _executable().parents):
        pytest.skip("the bundle's folder is closed to other users")
    home = Path(tempfile.mkdtemp(prefix="partita-nobody-"))
    try:
        home.chmod(0o777)
        prefix = (setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups")
        assert "sandbox on" in _self_test(home, prefix)
    finally:
        shutil.rmtree(home, ignore_errors=True)
