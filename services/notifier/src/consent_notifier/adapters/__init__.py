"""Adapters: the HTTP app (app.py) over the JSON API (http/) and the pages (web/), the database
(sql/), the broker subscriber (broker.py), the outbox relay, the credentials check and metrics."""
