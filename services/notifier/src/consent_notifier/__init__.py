"""Notifier: the phone rule of the privacy regulation, art. 8 lid 3, with callback verification."""
