"""Every table of the service, imported here so metadata is complete."""

from app.models.account import Account
from app.models.event import Event
from app.models.inbound import InboundWebhook, Invocation
from app.models.outbound import Delivery, DeliveryAttempt, OutboundWebhook
from app.models.outbox import SendJob
from app.models.watch import AccountWatch, WatchedFolder

__all__ = [
    "Account",
    "AccountWatch",
    "Delivery",
    "DeliveryAttempt",
    "Event",
    "InboundWebhook",
    "Invocation",
    "OutboundWebhook",
    "SendJob",
    "WatchedFolder",
]
