"""A group chat's robot (`KPI_WEBHOOK_URL`, `KPI_WEBHOOK_KIND`): the leadership digest
posted as the JSON each robot accepts.

    wecom     企业微信  {"msgtype": "markdown", "markdown": {"content": ...}}  (4096 bytes)
    dingtalk  钉钉      {"msgtype": "markdown", "markdown": {"title": ..., "text": ...}}
    feishu    飞书/Lark {"msg_type": "text", "content": {"text": ...}}

The kind is `KPI_WEBHOOK_KIND`, else guessed from the URL's host (qyapi.weixin.qq.com,
oapi.dingtalk.com, open.feishu.cn / open.larksuite.com). A robot that answers with an
error code in its JSON (`errcode` / `code` not 0) is a failure too.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from kpi_engine.notify import SendError
from kpi_engine.reports.digest import Digest

WEBHOOK_URL_ENV, WEBHOOK_KIND_ENV = "KPI_WEBHOOK_URL", "KPI_WEBHOOK_KIND"
WECOM, DINGTALK, FEISHU = "wecom", "dingtalk", "feishu"
KINDS = (WECOM, DINGTALK, FEISHU)
HOSTS = {
    "qyapi.weixin.qq.com": WECOM,
    "oapi.dingtalk.com": DINGTALK,
    "open.feishu.cn": FEISHU,
    "open.larksuite.com": FEISHU,
}
LIMITS = {WECOM: 4096, DINGTALK: 20000, FEISHU: 30000}  # bytes of the message's text
TIMEOUT_S = 15.0


def kind_of(url: str, kind: str | None = None) -> str:
    """The robot's kind: `kind` when given, else from the host; ValueError otherwise."""
    if kind:
        if kind not in KINDS:
            raise ValueError(f"{WEBHOOK_KIND_ENV} must be one of {', '.join(KINDS)}: got {kind!r}")
        return kind
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{WEBHOOK_URL_ENV} is not an http(s) URL")
    guessed = HOSTS.get(parts.hostname.lower())
    if guessed is None:
        raise ValueError(
            f"cannot tell the robot from the host {parts.hostname}: set {WEBHOOK_KIND_ENV}"
            f" to one of {', '.join(KINDS)}"
        )
    return guessed


def _fit(text: str, limit: int) -> str:
    """`text` cut to `limit` UTF-8 bytes (with an ellipsis), on a character boundary."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", "ignore") + "…"


def payload(digest: Digest, kind: str) -> dict:
    """The JSON a robot of `kind` accepts for `digest`."""
    if kind == WECOM:
        return {"msgtype": "markdown", "markdown": {"content": _fit(digest.markdown, LIMITS[kind])}}
    if kind == DINGTALK:
        return {
            "msgtype": "markdown",
            "markdown": {"title": digest.subject, "text": _fit(digest.markdown, LIMITS[kind])},
        }
    text = _fit(f"{digest.subject}\n\n{digest.text}", LIMITS[FEISHU])
    return {"msg_type": "text", "content": {"text": text}}


def post(digest: Digest, url: str, kind: str | None = None, *, timeout: float = TIMEOUT_S) -> str:
    """Post `digest` to the robot; the kind used. SendError says what failed."""
    kind = kind_of(url, kind)
    host = urlsplit(url).hostname
    request = urllib.request.Request(
        url,
        data=json.dumps(payload(digest, kind), ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(65536)
    except urllib.error.HTTPError as error:
        raise SendError(f"the {kind} robot at {host} answered HTTP {error.code}") from None
    except TimeoutError:
        raise SendError(f"the {kind} robot at {host} did not answer within {timeout:g} s") from None
    except urllib.error.URLError as error:
        reason = getattr(error.reason, "strerror", None) or error.reason
        raise SendError(f"cannot reach the {kind} robot at {host} ({reason})") from None
    except OSError as error:
        raise SendError(f"cannot reach the {kind} robot at {host} ({error})") from None
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        return kind  # not JSON: the HTTP status said it was taken
    code = answer.get("errcode", answer.get("code", 0)) if isinstance(answer, dict) else 0
    if code not in (0, None):
        message = answer.get("errmsg") or answer.get("msg") or ""
        raise SendError(f"the {kind} robot at {host} refused the message: {code} {message}")
    return kind


__all__ = ["KINDS", "WEBHOOK_KIND_ENV", "WEBHOOK_URL_ENV", "kind_of", "payload", "post"]
