#!/usr/bin/env bash
# Build the one-folder bundle dist/partita with PyInstaller, into the current Python
# environment (the active venv, or $PYTHON). Options for the spec: PARTITA_KEEP_LOCALES.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -n "${PYTHON:-}" ]]; then
    python="$PYTHON"
elif [[ -n "${VIRTUAL_ENV:-}" ]]; then
    python="$VIRTUAL_ENV/bin/python"
else
    python="$(command -v python3)"
fi

# The version every measurement in shared/research/pyinstaller_spike.md was taken with.
if ! "$python" -c 'import PyInstaller' 2>/dev/null; then
    "$python" -m pip install --quiet 'pyinstaller==6.22.*'
fi

"$python" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/partita.spec

echo "bundle: dist/partita"
echo "size:   $(du -sh dist/partita | cut -f1)"
echo "files:  $(find dist/partita -type f | wc -l)"
