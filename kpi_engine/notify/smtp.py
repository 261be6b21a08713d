"""E-mail over SMTP, configured by one URL (`KPI_SMTP_URL`):

    smtp://[user:password@]host:port[?from=addr&starttls=1]    plain, or STARTTLS
    smtps://[user:password@]host:port[?from=addr]                TLS from the start

The user name and password are percent-decoded (`%40` for an @ in a user name). `from`
defaults to the user name when it is an address, else `kpi@<host>`.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from kpi_engine.notify import SendError
from kpi_engine.reports.digest import Digest

SMTP_URL_ENV = "KPI_SMTP_URL"
TIMEOUT_S = 30.0
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    ssl: bool = False
    starttls: bool = False
    user: str | None = None
    password: str | None = None
    sender: str = ""


def parse_url(url: str) -> SmtpServer:
    """The server a `KPI_SMTP_URL` names; ValueError (without the password) when unusable."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise ValueError(f"{SMTP_URL_ENV} is not a URL ({error})") from None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError(
            f"{SMTP_URL_ENV} must look like smtp://[user:pass@]host:port[?from=addr&starttls=1]"
            " or smtps://...: got scheme {parts.scheme!r}"
        )
    query = parse_qs(parts.query)
    user = unquote(parts.username) if parts.username else None
    sender = (query.get("from") or [""])[0] or (
        user if user and "@" in user else f"kpi@{parts.hostname}"
    )
    return SmtpServer(
        host=parts.hostname,
        port=port or DEFAULT_PORTS[parts.scheme],
        ssl=parts.scheme == "smtps",
        starttls=(query.get("starttls") or ["0"])[0].lower() in TRUE,
        user=user,
        password=unquote(parts.password) if parts.password is not None else None,
        sender=sender,
    )


def message(digest: Digest, sender: str) -> EmailMessage:
    """The digest as one e-mail: a plain-text part and an HTML alternative."""
    if not digest.recipient.email:
        raise ValueError(f"{digest.recipient.name} has no e-mail address")
    mail = EmailMessage()
    mail["Subject"] = digest.subject
    mail["From"] = sender
    mail["To"] = formataddr((digest.recipient.name, digest.recipient.email))
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    mail.set_content(digest.text)
    mail.add_alternative(digest.html, subtype="html")
    return mail


def send(digests: Iterable[Digest], server: SmtpServer, *, timeout: float = TIMEOUT_S) -> int:
    """Send each digest on one connection; the number sent. SendError names the server and
    what failed (connecting, TLS, signing in, a refused recipient)."""
    where = f"{server.host}:{server.port}"
    mails = [message(d, server.sender) for d in digests]
    try:
        context = ssl.create_default_context()
        client = (
            smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=context)
            if server.ssl
            else smtplib.SMTP(server.host, server.port, timeout=timeout)
        )
        with client:
            if server.starttls:
                client.starttls(context=context)
            if server.user:
                client.login(server.user, server.password or "")
            for mail in mails:
                client.send_message(mail)
    except smtplib.SMTPAuthenticationError:
        raise SendError(f"the mail server {where} refused the user name or password") from None
    except smtplib.SMTPRecipientsRefused as error:
        refused = ", ".join(error.recipients)
        raise SendError(f"the mail server {where} refused the recipient(s) {refused}") from None
    except smtplib.SMTPException as error:
        raise SendError(f"the mail server {where} failed: {error}") from None
    except ssl.SSLError as error:
        raise SendError(f"TLS with the mail server {where} failed ({error.reason})") from None
    except TimeoutError:
        raise SendError(f"the mail server {where} did not answer within {timeout:g} s") from None
    except OSError as error:
        reason = error.strerror or error.__class__.__name__
        raise SendError(f"cannot reach the mail server {where} ({reason})") from None
    return len(mails)


__all__ = ["SMTP_URL_ENV", "SmtpServer", "message", "parse_url", "send"]
