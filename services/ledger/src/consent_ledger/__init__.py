"""The consent and disclosure ledger."""

__version__ = "0.1.0"  # as pyproject.toml says; named by LDV records and the AsyncAPI document
