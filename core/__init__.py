"""Partita's core: Electron's ``session`` module in Python, over Qt WebEngine. No widgets here."""
