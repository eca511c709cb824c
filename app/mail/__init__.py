"""Talking to mail servers: connections, sending, watching, reading."""
