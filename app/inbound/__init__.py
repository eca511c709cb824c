"""Inbound webhooks: other services POST here to make the service act."""
