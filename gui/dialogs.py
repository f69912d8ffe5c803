"""The sidebar's dialogs. All are opened with ``open()``: the window never blocks on them."""

from __future__ import annotations

import os
from collections.abc import Callable

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QColor
from PyQt6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QColorDialog,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.sessions import data_folders, partition_name
from gui.state import PALETTE, Deletion, Kind, PartitionEntry


class ColourSwatches(QWidget):
    """A row of round colour buttons, plus "Custom…" for any other colour."""

    changed = pyqtSignal(str)

    def __init__(self, colour: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._colour = colour
        self._group = QButtonGroup(self)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        for value in PALETTE:
            swatch = QToolButton(objectName="Swatch", checkable=True)
            swatch.setToolTip(value)
            swatch.setStyleSheet(f"QToolButton#Swatch {{ background: {value}; }}")
            swatch.setChecked(value == colour)
            swatch.clicked.connect(lambda _checked, value=value: self.set_colour(value))
            self._group.addButton(swatch)
            row.addWidget(swatch)
        self.custom_button = QPushButton("Custom…")
        self.custom_button.clicked.connect(self._custom)
        row.addWidget(self.custom_button)
        row.addStretch(1)

    @property
    def colour(self) -> str:
        return self._colour

    def set_colour(self, colour: str) -> None:
        self._colour = QColor(colour).name()
        for swatch in self._group.buttons():
            swatch.setChecked(swatch.toolTip() == self._colour)
        self.changed.emit(self._colour)

    def _custom(self) -> None:
        dialog = QColorDialog(QColor(self._colour), self)
        dialog.setOption(QColorDialog.ColorDialogOption.DontUseNativeDialog)
        dialog.colorSelected.connect(lambda colour: self.set_colour(colour.name()))
        dialog.open()


class AddPartitionDialog(QDialog):
    """Label, kind (persistent name / in-memory name / folder) and colour of a new partition.

    ``validate`` opens the partition's session and raises ValueError with a message for the
    user; the dialog stays open and shows it.
    """

    def __init__(self, validate: Callable[[PartitionEntry], object], colour: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add partition")
        self.setMinimumWidth(460)
        self._validate = validate
        self.entry: PartitionEntry | None = None

        self.label_edit = QLineEdit(placeholderText="Defaults to the name")
        self.persistent_radio = QRadioButton("Persistent", checked=True)
        self.memory_radio = QRadioButton("In memory")
        self.folder_radio = QRadioButton("From a folder")
        kinds = QHBoxLayout()
        for radio in (self.persistent_radio, self.memory_radio, self.folder_radio):
            radio.toggled.connect(self._kind_changed)
            kinds.addWidget(radio)
        kinds.addStretch(1)
        self.name_edit = QLineEdit(placeholderText="work")
        self.folder_edit = QLineEdit(placeholderText="/absolute/path/to/a/folder")
        self.choose_button = QPushButton("Choose…")
        self.choose_button.clicked.connect(self._choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.choose_button)
        self.hint = QLabel(objectName="DialogHint", wordWrap=True)
        self.swatches = ColourSwatches(colour)
        self.error = QLabel(objectName="DialogError", wordWrap=True)
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.add_button = buttons.addButton("Add", QDialogButtonBox.ButtonRole.AcceptRole)
        assert self.add_button is not None
        self.add_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        self._form = form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Label", self.label_edit)
        form.addRow("Kind", kinds)
        form.addRow("Name", self.name_edit)
        form.addRow("Folder", folder_row)
        form.addRow("", self.hint)
        form.addRow("Colour", self.swatches)
        column = QVBoxLayout(self)
        column.setSpacing(12)
        column.addLayout(form)
        column.addWidget(self.error)
        column.addWidget(buttons)
        self._kind_changed()

    def kind(self) -> Kind:
        if self.memory_radio.isChecked():
            return Kind.MEMORY
        return Kind.FOLDER if self.folder_radio.isChecked() else Kind.PERSISTENT

    def _kind_changed(self) -> None:
        folder = self.kind() is Kind.FOLDER
        self._form.setRowVisible(2, not folder)
        self._form.setRowVisible(3, folder)
        self.hint.setText({
            Kind.PERSISTENT: "Kept in Partita's data folder: cookies, storage and open tabs "
                             "come back after a restart.",
            Kind.MEMORY: "Nothing is written to disk: its data and tabs are gone on exit.",
            Kind.FOLDER: "Cookies, storage and cache are kept in the folder you choose.",
        }[self.kind()])

    def _choose_folder(self) -> None:
        dialog = QFileDialog(self, "Choose the partition's folder")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        dialog.fileSelected.connect(self.folder_edit.setText)
        dialog.open()

    def build_entry(self) -> PartitionEntry:
        kind = self.kind()
        typed = self.folder_edit.text() if kind is Kind.FOLDER else self.name_edit.text()
        name = partition_name(kind, typed)
        label = self.label_edit.text().strip() or (
            os.path.basename(name) if kind is Kind.FOLDER else typed.strip())
        return PartitionEntry(kind, name, label, self.swatches.colour)

    def accept(self) -> None:
        try:
            entry = self.build_entry()
            self._validate(entry)
        except ValueError as error:
            self.error.setText(str(error))
            self.error.show()
            return
        self.entry = entry
        super().accept()


class RemovePartitionDialog(QDialog):
    """Confirms a removal; for data on disk it offers "also delete its data"."""

    def __init__(self, entry: PartitionEntry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Remove partition")
        self.entry = entry
        message = QLabel(f"Remove “{entry.label}” from the sidebar? Its tabs close.",
                         wordWrap=True)
        self.delete_box = QCheckBox("Also delete its data (cookies, storage, cache)")
        folders = data_folders(Deletion(entry.kind, entry.name))
        where = QLabel(objectName="DialogHint", wordWrap=True,
                       textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        if folders:
            where.setText(f"Deletes {folders[-1]} once Partita no longer uses it.")
        else:
            where.setText("Its data lives only in memory and is discarded now.")
            self.delete_box.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.remove_button = buttons.addButton("Remove", QDialogButtonBox.ButtonRole.AcceptRole)
        assert self.remove_button is not None
        self.remove_button.setObjectName("DestructiveButton")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.setSpacing(10)
        column.addWidget(message)
        column.addWidget(self.delete_box)
        column.addWidget(where)
        column.addWidget(buttons)

    @property
    def delete_data(self) -> bool:
        return not self.delete_box.isHidden() and self.delete_box.isChecked()


class ColourDialog(QDialog):
    def __init__(self, entry: PartitionEntry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Colour of “{entry.label}”")
        self.swatches = ColourSwatches(entry.colour)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(self.swatches)
        column.addWidget(buttons)


def rename_dialog(entry: PartitionEntry, parent: QWidget | None = None) -> QInputDialog:
    dialog = QInputDialog(parent)
    dialog.setWindowTitle("Rename partition")
    dialog.setLabelText(f"New label for {entry.name}:")
    dialog.setTextValue(entry.label)
    return dialog
