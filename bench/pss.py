"""Proportional set size of a process tree (QtWebEngine spreads a browser over many processes).

PSS divides each shared page among the processes that map it, so summing it over the tree
counts shared libraries once; RSS sums would count them once per process.
"""

from __future__ import annotations

import os
from pathlib import Path


def _children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the command name may contain spaces and parentheses: the ppid follows the last ")"
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            kids.append(int(entry.name))
    return kids


def tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(_children(current))
    return found


def pss_kib(pid: int) -> int:
    total = 0
    for member in tree(pid):
        try:
            rollup = Path(f"/proc/{member}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in rollup.splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1])
    return total


def own_tree_pss_mib() -> float:
    return pss_kib(os.getpid()) / 1024
