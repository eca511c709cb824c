"""Events: what happened, recorded for outbound webhooks and the event log."""
