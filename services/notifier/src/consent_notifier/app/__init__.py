"""Use cases of the notifier, written against the ports in ports.py."""
