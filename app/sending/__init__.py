"""Sending email: the send API, the durable outbox and the SMTP sender worker."""
