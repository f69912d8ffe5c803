"""A real OS keyring for the tests: gnome-keyring's Secret Service on the test run's own D-Bus
session (scripts/test runs pytest under ``dbus-run-session``).

Started by D-Bus activation, gnome-keyring has no login collection and asks a graphical
prompter to create one, which fails headless ("Prompt dismissed"). Started here with
``--unlock`` and a password on stdin, it creates that collection in a throw-away folder,
unlocked, so ``keyring`` (its SecretService back end) works with no prompt.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

SECRETS_BUS_NAME = "org.freedesktop.secrets"


def _bus_name_owned(name: str) -> bool:
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection

    bus = DBusAddress("/org/freedesktop/DBus", bus_name="org.freedesktop.DBus",
                      interface="org.freedesktop.DBus")
    with open_dbus_connection(bus="SESSION") as connection:
        reply = connection.send_and_get_reply(new_method_call(bus, "NameHasOwner", "s", (name,)))
    return bool(reply.body[0])


@contextmanager
def running_keyring(timeout: float = 10.0) -> Iterator[None]:
    """gnome-keyring-daemon for as long as the context lasts; RuntimeError if it cannot be had
    (no private D-Bus session, gnome-keyring missing, or a Secret Service running already:
    the tests never touch a real user's keyring)."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        raise RuntimeError("no D-Bus session: run the tests under dbus-run-session")
    daemon_path = shutil.which("gnome-keyring-daemon")
    if daemon_path is None:
        raise RuntimeError("gnome-keyring-daemon is not installed (apt: gnome-keyring)")
    if _bus_name_owned(SECRETS_BUS_NAME):
        raise RuntimeError("a Secret Service already runs on this D-Bus session; run the "
                           "tests under their own dbus-run-session")
    home = tempfile.TemporaryDirectory(prefix="partita-keyring-")
    env = dict(os.environ, XDG_DATA_HOME=home.name)
    daemon = subprocess.Popen(
        [daemon_path, "--foreground", "--unlock", "--components=secrets"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=env, text=True)
    try:
        assert daemon.stdin is not None
        daemon.stdin.write("partita-tests")  # the new login collection's password
        daemon.stdin.close()
        deadline = time.monotonic() + timeout
        while not _bus_name_owned(SECRETS_BUS_NAME):
            if daemon.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gnome-keyring-daemon did not start (exit {daemon.poll()})")
            time.sleep(0.02)  # polling the bus for a name: nothing to wait on instead
        yield
    finally:
        daemon.terminate()
        daemon.wait(10)
        home.cleanup()
