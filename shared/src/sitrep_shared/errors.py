"""The few exception types the services share."""

from sitrep_shared.kafka import BrokerUnavailable


class SitrepError(Exception):
    """Base class for Sitrep's own errors."""


class InvalidMessage(SitrepError):
    """A consumed message that can never be handled: it goes to the dead-letter topic."""


__all__ = ["BrokerUnavailable", "InvalidMessage", "SitrepError"]
