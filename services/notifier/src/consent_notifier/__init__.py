"""Notifier: the phone rule (regulation art. 8 lid 3). Skeleton until its own issue."""

from .service import NotifierService

__all__ = ["NotifierService"]
