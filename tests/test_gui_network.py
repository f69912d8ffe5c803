"""The Network panel: emulation presets and custom figures, applied per partition."""

from __future__ import annotations

from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtWidgets import QSpinBox
from pytestqt.qtbot import QtBot

from gui.panels_network import NetworkPanel
from tests.test_gui_support import MakeWindow, click_partition, front_panel, open_partition

pytest_plugins = ("tests.test_gui_support",)


def choose(qtbot: QtBot, panel: NetworkPanel, name: str) -> None:
    radio = panel.radios[name]
    # On its circle: a radio button takes clicks on its circle and text, not its whole width.
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(8, radio.height() // 2))
    assert panel.chosen() == name


def type_value(qtbot: QtBot, spin: QSpinBox, value: int) -> None:
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, str(value))
    assert spin.value() == value


def apply(qtbot: QtBot, panel: NetworkPanel) -> None:
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    assert panel.error_label.isHidden(), panel.error_label.text()


def test_presets_apply_devtools_figures_to_the_selected_partition(
        qtbot: QtBot, make_window: MakeWindow, unique: str) -> None:
    window = make_window()
    session = open_partition(qtbot, window, "Throttled", f"throttled-{unique}")
    panel = front_panel(qtbot, window, "network", NetworkPanel)
    assert session.get_network_emulation() is None
    assert panel.chosen() == "No throttling"
    assert panel.state_label.text() == "No throttling"

    choose(qtbot, panel, "Slow 3G")
    assert session.get_network_emulation() is None  # nothing changes before Apply
    apply(qtbot, panel)
    assert session.get_network_emulation() == {
        "offline": False, "latency": 2000, "download_throughput": 50_000,
        "upload_throughput": 50_000}
    assert panel.state_label.text() == (
        "Slow 3G: 2000 ms latency, 400 kbit/s down, 400 kbit/s up")

    choose(qtbot, panel, "Fast 3G")
    apply(qtbot, panel)
    assert session.get_network_emulation() == {
        "offline": False, "latency": 562.5, "download_throughput": 180_000,
        "upload_throughput": 84_375}

    # Another partition keeps its own (no) emulation; coming back shows this one's.
    click_partition(qtbot, window, "Default")
    assert panel.chosen() == "No throttling"
    default = window.current_browser()
    assert default is not None and default.session.get_network_emulation() is None
    click_partition(qtbot, window, "Throttled")
    assert panel.chosen() == "Fast 3G"

    choose(qtbot, panel, "Offline")
    apply(qtbot, panel)
    emulation = session.get_network_emulation()
    assert emulation is not None and emulation["offline"] is True
    assert panel.state_label.text() == "Offline"

    choose(qtbot, panel, "No throttling")
    apply(qtbot, panel)
    assert session.get_network_emulation() is None
    assert panel.state_label.text() == "No throttling"


def test_custom_figures_are_entered_in_kbits_and_applied_in_bytes(
        qtbot: QtBot, make_window: MakeWindow, unique: str) -> None:
    window = make_window()
    session = open_partition(qtbot, window, "Custom", f"custom-{unique}")
    panel = front_panel(qtbot, window, "network", NetworkPanel)
    assert not panel.latency_spin.isEnabled()  # only Custom takes figures
    choose(qtbot, panel, "Custom")
    assert panel.latency_spin.isEnabled()
    type_value(qtbot, panel.latency_spin, 150)
    type_value(qtbot, panel.download_spin, 800)
    type_value(qtbot, panel.upload_spin, 0)  # no limit
    apply(qtbot, panel)
    assert session.get_network_emulation() == {
        "offline": False, "latency": 150, "download_throughput": 100_000,
        "upload_throughput": 0}
    assert panel.state_label.text() == (
        "Custom: 150 ms latency, 800 kbit/s down, no limit up")
    assert panel.upload_spin.text() == "no limit"

    # What the API set shows up when the panel looks again (here: on partition switch).
    session.enable_network_emulation(latency=40, download_throughput=12_500)
    click_partition(qtbot, window, "Default")
    click_partition(qtbot, window, "Custom")
    assert panel.chosen() == "Custom"
    assert (panel.latency_spin.value(), panel.download_spin.value(),
            panel.upload_spin.value()) == (40, 100, 0)
