"""Imports: files, validation, verdict vocabulary, and the item and vote imports."""
