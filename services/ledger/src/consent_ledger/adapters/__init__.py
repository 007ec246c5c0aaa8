"""Adapters: the only code that imports frameworks."""
