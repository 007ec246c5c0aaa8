"""The notifier's JSON API (FastAPI routers and bodies) under /api/v1."""
