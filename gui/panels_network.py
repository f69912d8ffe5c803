"""The Network panel: emulate a slow or absent network in the selected partition.

Presets carry Chrome DevTools' figures (front_end/core/sdk/NetworkManager.ts), so a page
behaves here as it does under DevTools' throttling; Custom takes latency in ms and
throughput in kbit/s, the units DevTools shows. The session API takes bytes per second.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QShowEvent
from PyQt6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QWidget,
)

from core.errors import NotSupportedError
from core.net.emulation import NetworkConditions
from core.session import Session
from gui import panels
from gui.state import PartitionEntry

BYTES_PER_KBIT = 125  # 1000 bits / 8
MAX_KBITS = 10_000_000  # 10 Gbit/s: beyond any link worth emulating
MAX_LATENCY_MS = 60_000


def throttled(conditions: NetworkConditions) -> bool:
    return conditions.offline or any((conditions.latency, conditions.download_throughput,
                                      conditions.upload_throughput))


def describe(conditions: NetworkConditions) -> str:
    if conditions.offline:
        return "offline"
    if not throttled(conditions):
        return "no throttling"
    return ", ".join((f"{conditions.latency:g} ms latency",
                      f"{_rate(conditions.download_throughput)} down",
                      f"{_rate(conditions.upload_throughput)} up"))


def _rate(bytes_per_second: float) -> str:
    return f"{bytes_per_second / BYTES_PER_KBIT:g} kbit/s" if bytes_per_second else "no limit"


# DevTools: Slow 3G = 500 kbit/s x 0.8 both ways, 400 ms x 5; Fast 3G = 1.6 Mbit/s x 0.9 down,
# 750 kbit/s x 0.9 up, 150 ms x 3.75 (the factors are DevTools' own, for packet overhead).
PRESETS: dict[str, NetworkConditions] = {
    "No throttling": NetworkConditions(),
    "Offline": NetworkConditions(offline=True),
    "Slow 3G": NetworkConditions(latency=400 * 5, download_throughput=500 * 1000 / 8 * 0.8,
                                 upload_throughput=500 * 1000 / 8 * 0.8),
    "Fast 3G": NetworkConditions(latency=150 * 3.75,
                                 download_throughput=1.6 * 1000 * 1000 / 8 * 0.9,
                                 upload_throughput=750 * 1000 / 8 * 0.9),
}
CUSTOM = "Custom"


def preset_name(conditions: NetworkConditions) -> str:
    if not throttled(conditions):
        return "No throttling"
    if conditions.offline:
        return "Offline"
    return next((name for name, preset in PRESETS.items() if preset == conditions), CUSTOM)


class NetworkPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="NetworkPanel")
        self._session: Session | None = None
        self.choices = QButtonGroup(self)
        self.radios: dict[str, QRadioButton] = {}
        for name in (*PRESETS, CUSTOM):
            radio = QRadioButton(name)
            preset = PRESETS.get(name)
            if preset is not None and throttled(preset) and not preset.offline:
                radio.setToolTip(describe(preset))
            self.choices.addButton(radio)
            self.radios[name] = radio
        self.latency_spin = self._spin(MAX_LATENCY_MS, " ms", "none")
        self.download_spin = self._spin(MAX_KBITS, " kbit/s", "no limit")
        self.upload_spin = self._spin(MAX_KBITS, " kbit/s", "no limit")
        self.choices.buttonToggled.connect(self._sync_custom)
        self.apply_button = QPushButton("Apply")
        self.apply_button.clicked.connect(self.apply)
        self.state_label = QLabel(objectName="PanelValue", wordWrap=True)
        self.error_label = panels.ErrorLabel()

        custom = QFormLayout()
        custom.setContentsMargins(24, 0, 0, 0)
        custom.addRow("Latency", self.latency_spin)
        custom.addRow("Download", self.download_spin)
        custom.addRow("Upload", self.upload_spin)
        apply_row = QHBoxLayout()
        apply_row.addStretch(1)
        apply_row.addWidget(self.apply_button)
        column = panels.panel_column(self)
        column.addWidget(QLabel("Network emulation", objectName="PanelCaption"))
        for radio in self.radios.values():
            column.addWidget(radio)
        column.addLayout(custom)
        column.addLayout(apply_row)
        column.addSpacing(8)
        column.addWidget(QLabel("Now", objectName="PanelCaption"))
        column.addWidget(self.state_label)
        column.addWidget(self.error_label)
        column.addStretch(1)
        self.radios["No throttling"].setChecked(True)

    def _spin(self, maximum: int, suffix: str, zero: str) -> QSpinBox:
        spin = QSpinBox(maximum=maximum, suffix=suffix, specialValueText=zero,
                        alignment=Qt.AlignmentFlag.AlignRight)
        spin.setGroupSeparatorShown(True)
        return spin

    def bind(self, session: Session, entry: PartitionEntry) -> None:
        self._session = session
        self.error_label.show_error(None)
        self.show_state()

    def showEvent(self, event: QShowEvent | None) -> None:
        # Emulation can be changed through the API while the panel is hidden.
        super().showEvent(event)
        self.show_state()

    def chosen(self) -> str:
        return next(name for name, radio in self.radios.items() if radio.isChecked())

    def show_state(self) -> None:
        """Select the choice that matches the session's emulation now, and say what it is."""
        if self._session is None:
            return
        state = self._session.get_network_emulation()
        conditions = NetworkConditions.from_dict(state) if state else NetworkConditions()
        name = preset_name(conditions)
        self.radios[name].setChecked(True)
        if name == CUSTOM:
            self.latency_spin.setValue(round(conditions.latency))
            self.download_spin.setValue(round(conditions.download_throughput / BYTES_PER_KBIT))
            self.upload_spin.setValue(round(conditions.upload_throughput / BYTES_PER_KBIT))
        detail = describe(conditions)
        self.state_label.setText(name if detail.lower() == name.lower()
                                 else f"{name}: {detail}")

    def _sync_custom(self) -> None:
        custom = self.radios[CUSTOM].isChecked()
        for spin in (self.latency_spin, self.download_spin, self.upload_spin):
            spin.setEnabled(custom)

    def _custom(self) -> NetworkConditions:
        return NetworkConditions(latency=self.latency_spin.value(),
                          download_throughput=self.download_spin.value() * BYTES_PER_KBIT,
                          upload_throughput=self.upload_spin.value() * BYTES_PER_KBIT)

    def apply(self) -> None:
        if self._session is None:
            return
        name = self.chosen()
        conditions = self._custom() if name == CUSTOM else PRESETS[name]
        try:
            if throttled(conditions):
                self._session.enable_network_emulation(
                    offline=conditions.offline, latency=conditions.latency,
                    download_throughput=conditions.download_throughput,
                    upload_throughput=conditions.upload_throughput)
            else:
                self._session.disable_network_emulation()
        except (TypeError, ValueError, NotSupportedError) as error:
            self.error_label.show_error(f"Emulation not changed: {error}")
            return
        self.error_label.show_error(None)
        self.show_state()


panels.register(panels.PanelSpec(
    id="network",
    title="Network",
    factory=NetworkPanel,
))
