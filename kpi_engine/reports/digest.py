"""The monthly digest (issue 17, deliver 5): per department head and for leadership, an
e-mail-ready summary of a period in the reader's language: missing or late submissions,
red KPIs without a note, actions due, and the month's movers.

Composing is pure: `compose(content, recipient)` takes a `DigestContent` of plain frames
(gathered from the store by `kpi_engine.cli.digest.gather`) and returns the subject, an
HTML body (every name escaped), a plain-text body and a Markdown body for group chats.
Nothing here reads the store or sends anything (`kpi_engine.notify` sends).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from kpi_engine.core import insights
from kpi_engine.core.names import department_key
from kpi_engine.core.schema import ANONYMOUS, SAMPLE_UPLOADER
from kpi_engine.core.settings import DEFAULTS
from kpi_engine.i18n import (
    DEFAULT_LANG,
    LANGUAGES,
    MISSING,
    change_text,
    is_missing,
    period_label,
    score_text,
    t,
)
from kpi_engine.i18n.script import shown_name

MOVERS = 3  # best and worst movers each
MAX_ROWS = 30  # rows per section in a digest; the rest is counted ("12 more")

SUBMISSION_COLUMNS = ("department", "status", "uploader", "uploaded_at")
UNEXPLAINED_COLUMNS = ("department", "kpi")
ACTION_COLUMNS = ("department", "kpi", "what", "owner", "due")
CHANGE_COLUMNS = ("department", "kpi_id", "kpi_name", "perspective", "score", "previous_score")


@dataclass(frozen=True)
class Recipient:
    """Who a digest is for: `departments` None means the whole organisation (leadership)."""

    name: str
    email: str | None
    language: str = DEFAULT_LANG
    departments: tuple[str, ...] | None = None


@dataclass(frozen=True, eq=False)
class DigestContent:
    """What a period's digests are made of, for the whole organisation; each recipient's
    digest is cut from it by department (`names.department_key`).

    submissions: department, status, uploader, uploaded_at: the department-periods not
        submitted on time (statuses of `core.submissions`; on time and not due left out);
    unexplained: department, kpi: red KPIs without a note (`core.notes.unexplained`);
    actions: department (None: the whole organisation), kpi, what, owner, due (a date):
        open actions due by the period's deadline, or overdue (`core.actions.due_actions`);
    changes: the period's owner KPI rows with `previous_score` and `change`
        (`insights.kpi_changes`), from which each recipient's movers are picked."""

    period: str
    deadline: pd.Timestamp | None
    submissions: pd.DataFrame
    unexplained: pd.DataFrame
    actions: pd.DataFrame
    changes: pd.DataFrame
    time_zone: str = DEFAULTS.time_zone
    script: str = DEFAULTS.script


@dataclass(frozen=True)
class Digest:
    recipient: Recipient
    subject: str
    html: str
    text: str
    markdown: str


@dataclass(frozen=True)
class _Section:
    """One part of a digest: a heading and its lines, or what to say when there are none."""

    heading: str
    lines: tuple[str, ...]
    none: str
    more: int = 0


def _mine(frame: pd.DataFrame, departments: tuple[str, ...] | None) -> pd.DataFrame:
    """The rows of `departments` (all rows for the whole organisation)."""
    if departments is None or frame.empty:
        return frame
    wanted = {department_key(d) for d in departments}
    keys = frame["department"].map(lambda d: None if is_missing(d) else department_key(str(d)))
    return frame[keys.isin(wanted).to_numpy(bool)]


def _when(value: object, time_zone: str) -> str:
    """A time on the organisation's clock, to the minute; `MISSING` when there is none."""
    if is_missing(value):
        return MISSING
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    return stamp.tz_convert(time_zone).strftime("%Y-%m-%d %H:%M")


def _day(value: object) -> str:
    return MISSING if is_missing(value) else pd.Timestamp(value).strftime("%Y-%m-%d")  # type: ignore[arg-type]


def _sections(content: DigestContent, recipient: Recipient) -> list[_Section]:
    lang, scope = recipient.language, recipient.departments

    def name(value: object) -> str:
        if is_missing(value):
            return t("digest.whole_organisation", lang)
        return shown_name(str(value), lang, content.script)

    def who(value: object) -> str:
        words = {SAMPLE_UPLOADER: "data.sample_uploader", ANONYMOUS: "data.anonymous_uploader"}
        return t(words[value], lang) if value in words else str(value)

    def text(value: object) -> str:
        return MISSING if is_missing(value) or not str(value).strip() else str(value)

    def kpi(value: object) -> str:
        shown = text(value)
        return shown if shown == MISSING else shown_name(shown, lang, content.script)

    def item(where: str, what: str, detail: str = "") -> str:
        return t("digest.item", lang, where=where, what=what) + (f" ({detail})" if detail else "")

    submissions = [
        item(
            name(r.department),
            t(f"board.status_{r.status}", lang),
            ""
            if is_missing(r.uploader)
            else t(
                "digest.uploaded",
                lang,
                user=who(r.uploader),
                at=_when(r.uploaded_at, content.time_zone),
            ),
        )
        for r in _mine(content.submissions, scope).itertuples(index=False)
    ]
    unexplained = [
        item(name(r.department), kpi(r.kpi))
        for r in _mine(content.unexplained, scope).itertuples(index=False)
    ]
    deadline = content.deadline.date() if content.deadline is not None else None
    actions = []
    for r in _mine(content.actions, scope).itertuples(index=False):
        due = _day(r.due)
        late = deadline is not None and due != MISSING and due < deadline.isoformat()  # ISO days
        where = name(r.department) + ("" if is_missing(r.kpi) else f" · {kpi(r.kpi)}")
        detail = t("digest.action_detail", lang, owner=text(r.owner), due=due)
        overdue = f" · {t('digest.overdue', lang)}" if late else ""
        actions.append(item(where, text(r.what), detail) + overdue)
    changes = _mine(content.changes, scope)
    moved = pd.concat(
        [
            insights.top_movers(changes, MOVERS, best=True),
            insights.top_movers(changes, MOVERS, best=False),
        ],
        ignore_index=True,
    )
    movers = [
        item(
            f"{name(r.department)} · {kpi(r.kpi_name if not is_missing(r.kpi_name) else r.kpi_id)}",
            f"{score_text(r.previous_score)} → {score_text(r.score)} ({change_text(r.change)})",
        )
        for r in moved.itertuples(index=False)
    ]
    parts = (
        ("submissions", submissions),
        ("unexplained", unexplained),
        ("actions", actions),
        ("movers", movers),
    )
    return [
        _Section(
            t(f"digest.{key}", lang),
            tuple(lines[:MAX_ROWS]),
            t(f"digest.{key}_none", lang),
            max(0, len(lines) - MAX_ROWS),
        )
        for key, lines in parts
    ]


def compose(content: DigestContent, recipient: Recipient) -> Digest:
    """`recipient`'s digest of `content`, in their language (simplified Chinese when they
    chose none or one without a catalog)."""
    lang = recipient.language if recipient.language in LANGUAGES else DEFAULT_LANG
    recipient_in = Recipient(recipient.name, recipient.email, lang, recipient.departments)
    period = period_label(content.period, lang)
    deadline = _when(content.deadline, content.time_zone)
    if recipient.departments is None:
        subject = t("digest.subject_org", lang, period=period)
        intro = t("digest.intro_org", lang, period=period, deadline=deadline)
    else:
        departments = t("common.list_sep", lang).join(
            shown_name(d, lang, content.script) for d in recipient.departments
        )
        subject = t("digest.subject_departments", lang, period=period, departments=departments)
        intro = t(
            "digest.intro_departments",
            lang,
            period=period,
            departments=departments,
            deadline=deadline,
        )
    greeting = t("digest.greeting", lang, name=recipient.name)
    sections = _sections(content, recipient_in)
    footer = t("digest.footer", lang)
    return Digest(
        recipient=recipient_in,
        subject=_one_line(subject),
        html=_html(subject, greeting, intro, sections, footer, lang),
        text=_text(greeting, intro, sections, footer, lang),
        markdown=_markdown(subject, intro, sections, lang),
    )


def _one_line(text: str) -> str:
    """A subject never carries a line break (a header injection)."""
    return re.sub(r"[\r\n\t]+", " ", text).strip()


def _more(section: _Section, lang: str) -> str:
    return t("digest.more", lang, n=section.more) if section.more else ""


def _text(greeting: str, intro: str, sections: Sequence[_Section], footer: str, lang: str) -> str:
    out = [greeting, "", intro]
    for section in sections:
        out += ["", section.heading, "-" * 20]
        out += [f"- {line}" for line in section.lines] or [section.none]
        out += [_more(section, lang)] if section.more else []
    return "\n".join([*out, "", "--", footer, ""])


_STYLE = (
    "font-family:'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',Arial,sans-serif;"
    "color:#1f2937;max-width:720px;margin:0 auto;padding:16px;line-height:1.5"
)


def _html(
    subject: str,
    greeting: str,
    intro: str,
    sections: Sequence[_Section],
    footer: str,
    lang: str,
) -> str:
    """A self-contained HTML page (inline styles only: mail clients drop style sheets);
    every text, names included, is escaped."""
    e = html.escape
    body = [f"<h1 style='font-size:20px;margin:0 0 12px'>{e(subject)}</h1>"]
    body += [f"<p>{e(greeting)}</p>", f"<p>{e(intro)}</p>"]
    for section in sections:
        body.append(
            "<h2 style='font-size:16px;border-bottom:2px solid #e5e7eb;"
            f"padding-bottom:4px;margin:20px 0 8px'>{e(section.heading)}</h2>"
        )
        if section.lines:
            items = "".join(f"<li>{e(line)}</li>" for line in section.lines)
            body.append(f"<ul style='padding-left:20px;margin:0'>{items}</ul>")
        else:
            body.append(f"<p style='color:#6b7280'>{e(section.none)}</p>")
        if section.more:
            body.append(f"<p style='color:#6b7280'>{e(_more(section, lang))}</p>")
    body.append(f"<p style='color:#6b7280;font-size:12px;margin-top:24px'>{e(footer)}</p>")
    return (
        f"<!DOCTYPE html>\n<html lang='{e(lang)}'><head><meta charset='utf-8'>"
        f"<title>{e(subject)}</title></head>"
        f'<body style="{_STYLE}">{"".join(body)}</body></html>\n'
    )


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+!|<>~])")


def _md(text: str) -> str:
    """A text shown as written in a robot's Markdown (a name cannot make a link)."""
    return _MARKDOWN.sub(r"\\\1", text)


def _markdown(subject: str, intro: str, sections: Sequence[_Section], lang: str) -> str:
    """The digest for a group chat's robot: headings and lists, names escaped."""
    out = [f"## {_md(subject)}", _md(intro)]
    for section in sections:
        out += ["", f"### {_md(section.heading)}"]
        out += [f"- {_md(line)}" for line in section.lines] or [_md(section.none)]
        out += [_md(_more(section, lang))] if section.more else []
    return "\n".join(out)


def file_stem(name: str) -> str:
    """A user's name as a safe file name (`--out DIR/<stem>.html`): letters (CJK too),
    digits, `-`, `_`, `.` and `@` kept, anything else (a path separator, `..`) made `_`."""
    stem = re.sub(r"[^\w.@-]", "_", name.strip()).strip(".")
    return stem[:100] or "user"
