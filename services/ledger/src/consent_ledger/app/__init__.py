"""Use cases written against ports."""
