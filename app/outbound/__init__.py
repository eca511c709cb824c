"""Outbound webhooks: signed event deliveries with retries."""
