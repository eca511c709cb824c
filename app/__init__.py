"""Mailing Manager: email accounts wired to webhooks and AI assistants."""

__version__ = "0.1.0"
