"""Partita's widgets: main window, partition sidebar, tabs, panels (core's public API only)."""
