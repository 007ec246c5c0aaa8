"""The HTTP API (FastAPI): the app factory (app.py) and one module per resource, with the limits,
the health and metrics endpoints."""
