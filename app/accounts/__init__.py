"""Mail accounts: IMAP and SMTP settings, credentials kept encrypted."""
