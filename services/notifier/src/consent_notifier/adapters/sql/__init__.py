"""The notifier's database: engine and migrations, tables, the store with its outbox, registry
rows and credentials, and the sealing of callback numbers."""
