"""Session identity, persistence rules, storage paths, and bad input."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core import app, session
from core.errors import NotSupportedError
from core.session import Session


def test_same_partition_gives_the_same_session(qapp, unique: str) -> None:
    a = session.from_partition(f"persist:{unique}")
    assert session.from_partition(f"persist:{unique}") is a
    assert session.from_partition(unique) is not a
    assert session.from_partition(unique) is session.from_partition(unique)


def test_default_session_is_persistent_and_is_the_empty_partition(qapp) -> None:
    assert session.default_session is session.from_partition("")
    assert session.default_session.is_persistent()
    assert not session.default_session.profile.isOffTheRecord()
    assert session.default_session is not session.from_partition("persist:default")


def test_persistence_follows_the_persist_prefix(qapp, unique: str, data_dir: Path) -> None:
    persistent = session.from_partition(f"persist:{unique}")
    memory = session.from_partition(f"mem-{unique}")
    assert persistent.is_persistent() and not memory.is_persistent()
    assert memory.get_storage_path() is None and memory.storage_path is None
    assert memory.profile.isOffTheRecord()
    path = Path(persistent.get_storage_path() or "")
    assert path.is_relative_to(data_dir)
    assert path == Path(persistent.profile.persistentStoragePath())


def test_storage_paths_differ_per_partition(qapp, unique: str) -> None:
    one = session.from_partition(f"persist:{unique}-one").storage_path
    two = session.from_partition(f"persist:{unique}-two").storage_path
    assert one and two and one != two


def test_hostile_partition_names_stay_inside_the_data_folder(qapp, unique: str,
                                                             data_dir: Path) -> None:
    for name in (f"persist:../../{unique}", f"persist:{unique}/../../x", "persist:" + "é" * 400):
        ses = session.from_partition(name)
        assert ses.storage_path is not None
        assert Path(ses.storage_path).resolve().is_relative_to(data_dir.resolve())
    assert not (data_dir.parent / unique).exists()


def test_session_created_is_emitted_once_per_new_session(qapp, unique: str) -> None:
    seen: list[Session] = []
    app.on("session-created", seen.append)
    try:
        ses = session.from_partition(f"persist:{unique}")
        session.from_partition(f"persist:{unique}")
    finally:
        app.off("session-created", seen.append)
    assert seen == [ses]


def test_from_path_needs_an_absolute_path(qapp, tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="An empty path was specified"):
        session.from_path("")
    with pytest.raises(TypeError, match="An absolute path was not provided"):
        session.from_path("relative/dir")
    own = session.from_path(str(tmp_path / "own"))
    assert own is session.from_path(str(tmp_path / "own") + "/")
    assert own.is_persistent()
    assert own.get_storage_path() == str(tmp_path / "own")


def test_sessions_cannot_be_constructed_directly(qapp) -> None:
    with pytest.raises(TypeError, match="from_partition"):
        Session(session.default_session.profile, None, _key=object())


def test_wrong_types_are_refused(qapp) -> None:
    with pytest.raises(TypeError, match="partition must be a string"):
        session.from_partition(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="cache must be a bool"):
        session.from_partition("x", cache="yes")  # type: ignore[arg-type]


def test_user_agent_changes_only_with_valid_input(qapp, unique: str) -> None:
    ses = session.from_partition(unique)
    before = ses.get_user_agent()
    with pytest.raises(ValueError, match="invalid language code 'en US'"):
        ses.set_user_agent("Agent/1", "en US,fr")
    with pytest.raises(ValueError, match="line break"):
        ses.set_user_agent("Agent/1\r\nX-Evil: 1")
    with pytest.raises(TypeError):
        ses.set_user_agent(None)  # type: ignore[arg-type]
    assert ses.get_user_agent() == before
    ses.set_user_agent("Agent/2")
    assert ses.get_user_agent() == "Agent/2"


def test_code_cache_path_errors_match_electron(qapp) -> None:
    ses = session.default_session
    message = r"Absolute path must be provided to store code cache\."
    for bad in ("", "../fixtures"):
        with pytest.raises(TypeError, match=message):
            ses.set_code_cache_path(bad)
    with pytest.raises(NotSupportedError, match="code cache"):
        ses.set_code_cache_path("/tmp/code-cache")


def test_flush_storage_data_says_why_it_cannot(qapp) -> None:
    with pytest.raises(NotSupportedError, match="flush"):
        session.default_session.flush_storage_data()


def test_download_path_must_be_absolute(qapp, unique: str, tmp_path: Path) -> None:
    ses = session.from_partition(unique)
    with pytest.raises(ValueError, match="'downloads'"):
        ses.set_download_path("downloads")
    ses.set_download_path(str(tmp_path))
    assert ses.get_download_path() == str(tmp_path)
    assert ses.profile.downloadPath() == str(tmp_path)


def test_preloads_need_readable_absolute_paths(qapp, unique: str, tmp_path: Path) -> None:
    ses = session.from_partition(unique)
    good = tmp_path / "good.js"
    good.write_text("window.__x = 1;")
    ses.set_preloads([str(good)])
    with pytest.raises(ValueError, match=r"absolute path: 'rel\.js'"):
        ses.set_preloads([str(good), "rel.js"])
    with pytest.raises(ValueError, match="cannot be read"):
        ses.set_preloads([str(tmp_path / "missing.js")])
    with pytest.raises(TypeError):
        ses.set_preloads(str(good))  # type: ignore[arg-type]
    assert ses.get_preloads() == [str(good)]
    assert os.path.isabs(ses.get_preloads()[0])
