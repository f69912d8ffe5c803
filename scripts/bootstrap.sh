# Sourced by scripts/run and scripts/test: installs what Partita needs on a fresh Debian/Ubuntu
# machine (system libraries QtWebEngine loads, a virtual environment with the package), once.
# Usage: bootstrap [extra]   e.g. "bootstrap test"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${PARTITA_VENV:-$ROOT/.venv}

# What the PyQt6-WebEngine wheels load at run time but do not ship, plus the X libraries of the
# xcb platform plugin (a real display, and Xvfb for screenshots).
RUNTIME_PACKAGES=(libnss3 libxkbcommon0 libxkbcommon-x11-0 libxcomposite1 libxdamage1 libxrandr2
  libxtst6 libxss1 libasound2 libegl1 libgl1 libopengl0 libfontconfig1 libdbus-1-3 libglib2.0-0
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0
  libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 fonts-dejavu-core python3-venv)
# Tests also start a virtual display, a D-Bus session with a real keyring, serial port pairs.
TEST_PACKAGES=(xvfb dbus dbus-x11 gnome-keyring socat curl openssl)

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || { echo "install these system packages: ${missing[*]}" >&2; return 0; }
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "as root, install: ${missing[*]}" >&2; return 0; }
    sudo="sudo"
  fi
  echo "installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

bootstrap() {
  local extra=${1:-}
  apt_install "${RUNTIME_PACKAGES[@]}"
  [ "$extra" = test ] && apt_install "${TEST_PACKAGES[@]}"
  if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
  fi
  local spec="$ROOT"
  [ -n "$extra" ] && spec="$ROOT[$extra]"
  # Re-install only when pyproject.toml changed since the last install.
  local stamp="$VENV/.partita-installed-$extra"
  if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e "$spec"
    touch "$stamp"
  fi
}
