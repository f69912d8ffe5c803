"""Partition names map to folder names safely, distinctly and reversibly."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import partitions

NASTY = [
    "persist:work",
    "persist:Work",
    "persist:../x",
    "persist:..",
    "persist:.",
    "persist:a/b",
    "persist:a\\b",
    "persist:nul\x00byte",
    "persist:ünïcödé ✓",
    "persist:%41",
    "persist:A",
    "persist:" + "y" * 5000,
    "persist:" + "y" * 4999 + "z",
    "persist:",
    "",
]


def test_every_name_gets_one_plain_folder_name_of_its_own() -> None:
    folders = [partitions.folder_for_partition(name) for name in NASTY]
    assert len(set(folders)) == len(NASTY)
    # distinct on case-insensitive file systems too
    assert len({folder.lower() for folder in folders}) == len(NASTY)
    for folder in folders:
        assert "/" not in folder and "\\" not in folder and "\x00" not in folder
        assert folder not in (".", "..")
        assert len(folder.encode()) < 255


@pytest.mark.parametrize("name", NASTY)
def test_folder_names_decode_back_to_the_partition(tmp_path: Path, name: str) -> None:
    folder = tmp_path / partitions.folder_for_partition(name)
    partitions.write_marker(folder, name)
    assert partitions.partition_for_folder(folder) == name
    assert folder.resolve().parent == tmp_path.resolve()


def test_in_memory_names_have_no_folder() -> None:
    with pytest.raises(ValueError, match="in-memory"):
        partitions.folder_for_partition("scratch")


def test_foreign_folders_are_not_partitions(tmp_path: Path) -> None:
    assert partitions.partition_for_folder(tmp_path / "Cache") is None
    assert partitions.partition_for_folder(tmp_path / "p-%ZZ") is None
