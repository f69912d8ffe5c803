"""The command line: ``partita [URL] [--partition NAME] [--data-dir DIR] [--self-test]``."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from dataclasses import dataclass

from PyQt6.QtCore import QUrl

PROG = "partita"


@dataclass(frozen=True)
class Options:
    url: str | None = None
    partition: str | None = None
    data_dir: str | None = None
    self_test: bool = False

    def handoff(self) -> dict[str, str | None]:
        """What a second launch sends to the running instance."""
        return {"url": self.url, "partition": self.partition}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="A browser with separate partitions and a download manager.",
    )
    parser.add_argument(
        "url", nargs="?", metavar="URL",
        help="page to open: a URL, a host name or a local file",
    )
    parser.add_argument(
        "--partition", metavar="NAME",
        help="open the page in this partition ('persist:NAME' is kept on disk)",
    )
    parser.add_argument(
        "--data-dir", metavar="DIR",
        help="folder for partitions, settings and logs (default: $PARTITA_DATA_DIR or "
        "~/.local/share/partita); each folder runs its own instance",
    )
    parser.add_argument(
        "--self-test", action="store_true",
        help="load a page and download a file offscreen, then exit 0 on success",
    )
    return parser


def _url(parser: argparse.ArgumentParser, text: str) -> str:
    # As a browser's command line does: an existing file opens as file://, "example.org"
    # becomes http://example.org.
    url = QUrl.fromUserInput(text, os.getcwd())
    if not text.strip() or not url.isValid():
        parser.error(f"not a URL or file: {text!r}")
    return url.toString(QUrl.ComponentFormattingOption.FullyEncoded)


def parse_args(argv: Sequence[str]) -> Options:
    """Parse ``argv`` (without the program name); bad input exits 2 with a message."""
    parser = _parser()
    args = parser.parse_args(list(argv))
    if args.self_test and (args.url is not None or args.partition is not None):
        parser.error("--self-test takes no URL and no --partition")
    if args.partition is not None and not args.partition.strip():
        parser.error("--partition needs a name")
    data_dir = None
    if args.data_dir is not None:
        if not args.data_dir.strip():
            parser.error("--data-dir needs a folder")
        data_dir = os.path.abspath(os.path.expanduser(args.data_dir))
        if os.path.exists(data_dir) and not os.path.isdir(data_dir):
            parser.error(f"--data-dir {args.data_dir!r} is not a folder")
    return Options(
        url=None if args.url is None else _url(parser, args.url),
        partition=args.partition,
        data_dir=data_dir,
        self_test=args.self_test,
    )
