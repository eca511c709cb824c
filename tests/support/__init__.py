"""Real servers for tests, all on 127.0.0.1 with ports picked at run time.

- dovecot.DovecotServer: IMAP + LMTP (optional TLS), users, deliver/append/fetch.
- smtp.SmtpServer: SMTP with AUTH that delivers into a DovecotServer, with
  scripted 4xx/5xx faults and a record of every accepted message.
- receiver.HttpReceiver: records exact requests, answers scripted statuses.
- node_receiver.NodeReceiver: Node.js receiver checking X-Webhook-Signature.
- services: PostgreSQL / Redis URLs, skipping when they do not answer.

tests/conftest.py turns these into fixtures.
"""
