"""The providers' local stand-ins as fixtures for every test under tests/messages (see providers.py)."""

from tests.messages.providers import cloud_api, smtp_server, twilio

__all__ = ["cloud_api", "smtp_server", "twilio"]
