"""Everything about sending e-mail, used by every app: the transactional outbox, message
building, the SMTP transport with DKIM, the shared send-rate budget and the suppression list."""
