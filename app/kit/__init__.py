"""Domain-free helpers: secret encryption, ids, signing, URL safety, templating."""
