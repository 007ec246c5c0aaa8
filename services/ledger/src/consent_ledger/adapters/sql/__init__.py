"""The database side (SQLModel on SQLite or PostgreSQL): the engine and its migrations, the tables
and models, the ledger store and its transaction, the bulk and parted reads, the audit read, and
one store per concern (clients, producers, retention, rights, dead letters, the LDV rows). Driver
errors are sorted here (errors.py), once."""
