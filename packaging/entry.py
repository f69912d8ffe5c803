"""The bundle's entry point; the same as the ``partita`` console script."""

from __future__ import annotations

from gui.main import main

if __name__ == "__main__":
    raise SystemExit(main())
