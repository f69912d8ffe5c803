"""Partita's widgets: the main window, partition sidebar, tabs and panels (core's public API only)."""
