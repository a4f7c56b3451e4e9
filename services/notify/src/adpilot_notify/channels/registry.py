"""Which adapter serves each channel, chosen by settings."""

from __future__ import annotations

from adpilot_notify.channels.base import Channel, NotConfigured
from adpilot_notify.channels.email import ResendChannel, SmtpChannel
from adpilot_notify.channels.signal import SignalChannel
from adpilot_notify.channels.webhook import WebhookChannel
from adpilot_notify.channels.whatsapp import WhatsAppChannel
from adpilot_notify.config import Settings

CHANNELS = ("email", "whatsapp", "signal", "webhook")
PERSONAL_CHANNELS = ("email", "whatsapp", "signal")


def missing_settings(settings: Settings, channel: str) -> list[str]:
    """The environment variables still to set before ``channel`` can send (empty: it is configured)."""
    if channel == "email" and settings.email_provider == "resend":
        return [] if settings.resend.api_key else ["NOTIFY_RESEND__API_KEY"]
    if channel == "whatsapp":
        wa = settings.whatsapp
        return [name for name, ok in (("NOTIFY_WHATSAPP__ACCESS_TOKEN", wa.access_token is not None),
                                      ("NOTIFY_WHATSAPP__PHONE_NUMBER_ID", bool(wa.phone_number_id))) if not ok]  # fmt: skip
    if channel == "signal":
        sig = settings.signal
        return [name for name, ok in (("NOTIFY_SIGNAL__BASE_URL", bool(sig.base_url)),
                                      ("NOTIFY_SIGNAL__NUMBER", bool(sig.number))) if not ok]  # fmt: skip
    return []  # SMTP has working defaults; webhooks need nothing


def build_channels(settings: Settings) -> dict[str, Channel]:
    email: Channel = (
        ResendChannel(settings.resend, settings.smtp.from_address)
        if settings.email_provider == "resend"
        else SmtpChannel(settings.smtp)
    )
    whatsapp: Channel = (
        WhatsAppChannel(settings.whatsapp)
        if not missing_settings(settings, "whatsapp")
        else NotConfigured("whatsapp", "NOTIFY_WHATSAPP__ACCESS_TOKEN, NOTIFY_WHATSAPP__PHONE_NUMBER_ID")
    )
    signal: Channel = (
        SignalChannel(settings.signal)
        if not missing_settings(settings, "signal")
        else NotConfigured("signal", "NOTIFY_SIGNAL__BASE_URL, NOTIFY_SIGNAL__NUMBER")
    )
    webhook = WebhookChannel(settings.webhooks, allow_private=settings.private_targets_allowed)
    return {"email": email, "whatsapp": whatsapp, "signal": signal, "webhook": webhook}
