"""Sending the monthly digest: e-mail over SMTP (`smtp`) and group-chat robots over
HTTPS (`webhook`: 企业微信, 钉钉, 飞书). Standard library only (smtplib, urllib.request),
timeouts on every connection, and failures raised as `SendError` with a sentence that says
what to check, never a traceback. Imports core, i18n and reports only; the CLI calls it.
"""

from __future__ import annotations


class SendError(Exception):
    """A digest could not be sent: str() says where and why, in English, for the CLI."""


__all__ = ["SendError"]
