"""Adapters: SQL store, HTTP API and page, broker consumer, outbox relay, metrics."""
