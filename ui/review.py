"""The Data page's part of the monthly cycle (issue 17): the approval queue of an approver
or admin, a manager's own uploads waiting or sent back, and closing a period after review.
The store decides who may do what; this module only hides what a role cannot do and
says the store's refusals through `ui.data` (`_as_user`)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import streamlit as st

from kpi_engine.core.periods import grain_of, in_order
from kpi_engine.core.schema import PENDING, RETURNED
from kpi_engine.i18n import t
from ui import auth, data, tables, text


def comment_key(upload_id: int) -> str:
    return f"review_comment_{upload_id}"


def stored_notice(state: str, lang: str) -> None:
    """After an upload (`UploadResult.state`): say that it waits for approval, and who
    sees it meanwhile."""
    if state == PENDING:
        st.info(t("review.waits_for_approval", lang), icon=":material/hourglass_top:")


def _join(values: Iterable[str], lang: str) -> str:
    """Stored department names as this session shows them, in a list."""
    shown = data.shown()
    return t("common.list_sep", lang).join(shown(str(v)) for v in values)


def _about(upload: pd.Series, lang: str, zone: str) -> str:
    """Who sent it when, the departments and periods it covers and its rows, escaped."""
    return text.md(
        "review.upload_line",
        lang,
        uploader=tables.uploader_names(pd.Series([upload["uploader"]]), lang).iloc[0],
        at=tables.when(upload["uploaded_at"], zone),
        departments=_join(upload["departments"], lang),
        periods=t("common.list_sep", lang).join(upload["periods"]),
        rows=int(upload["rows_accepted"]),
    )


def _approve(upload_id: int, name: str, lang: str) -> None:
    if data.approve(upload_id, st.session_state.get(comment_key(upload_id), "")):
        st.toast(text.md("review.approved", lang, file=name), icon=":material/check_circle:")


def _send_back(upload_id: int, name: str, lang: str) -> None:
    if data.send_back(upload_id, st.session_state.get(comment_key(upload_id), "")):
        st.toast(text.md("review.sent_back", lang, file=name), icon=":material/undo:")


def queue(who: auth.Actor, lang: str, zone: str) -> None:
    """待审核: each pending upload the user may review, with a comment, approve and send back."""
    if not who.may(auth.APPROVE):
        return
    waiting = data.review_queue()
    st.subheader(t("review.queue", lang) + (f" ({len(waiting)})" if len(waiting) else ""))
    if waiting.empty:
        st.caption(t("review.queue_empty", lang))
        return
    st.caption(t("review.queue_hint", lang))
    for upload in waiting.to_dict("records"):
        upload_id, name = int(upload["upload_id"]), str(upload["name"])
        with st.container(border=True, key=f"review_{upload_id}"):
            st.markdown(f"**{text.plain(name)}**")
            st.caption(_about(pd.Series(upload), lang, zone))
            st.text_input(
                t("review.comment", lang),
                key=comment_key(upload_id),
                placeholder=t("review.comment_placeholder", lang),
            )
            yes, back = st.columns(2)
            yes.button(
                t("review.approve", lang),
                key=f"approve_{upload_id}",
                type="primary",
                icon=":material/check:",
                on_click=_approve,
                args=(upload_id, name, lang),
                width="stretch",
            )
            back.button(
                t("review.send_back", lang),
                key=f"send_back_{upload_id}",
                icon=":material/undo:",
                on_click=_send_back,
                args=(upload_id, name, lang),
                width="stretch",
            )


def mine(who: auth.Actor, lang: str, zone: str, history: pd.DataFrame) -> None:
    """A user's own uploads that wait for approval or were sent back, with the review."""
    own = history[
        (history["uploader"] == who.name)
        & history["state"].isin((PENDING, RETURNED))
        & ~history["deleted"].astype(bool)
    ]
    if own.empty:
        return
    st.subheader(t("review.mine", lang))
    st.caption(t("review.mine_hint", lang))
    table = pd.DataFrame(
        {
            t("report.file", lang): own["name"],
            t("common.department", lang): own["departments"].map(lambda d: _join(d, lang)),
            t("common.period", lang): own["periods"].map(t("common.list_sep", lang).join),
            t("data.uploaded_at", lang): tables.times(own["uploaded_at"], zone),
            t("data.state", lang): own["state"].map(lambda s: t(f"data.state_{s}", lang)),
            t("review.reviewer", lang): own["reviewed_by"].fillna(tables.MISSING),
            t("review.reviewed_at", lang): tables.times(own["reviewed_at"], zone),
            t("review.comment", lang): own["review_comment"]
            .replace("", None)
            .fillna(tables.MISSING),
        }
    )
    st.dataframe(table, hide_index=True, placeholder=tables.MISSING)


def _newest_first(labels: Iterable[str]) -> list[str]:
    """Months first, newest first, then the other grains' periods: the month just
    reviewed is the usual pick."""
    return sorted(in_order(labels)[::-1], key=lambda p: grain_of(p) != "month")


CHANGES = {
    "close": (data.close_period, ":material/lock:"),
    "reopen": (data.reopen_period, ":material/lock_open:"),
}


def _change_period(kind: str, lang: str) -> None:
    """Close or reopen the chosen period with the comment written beside it."""
    period = st.session_state.get(f"{kind}_period_choice")
    comment = st.session_state.get(f"{kind}_period_comment", "")
    if period and CHANGES[kind][0](period, comment):
        st.session_state[f"{kind}_period_comment"] = ""
        st.toast(text.md(f"review.{kind}_done", lang, period=period), icon=CHANGES[kind][1])


def _period_form(kind: str, periods: list[str], lang: str) -> None:
    """A period to close or reopen, an optional comment, and the button."""
    pick, note = st.columns(2)
    pick.selectbox(t(f"review.{kind}_choice", lang), periods, key=f"{kind}_period_choice")
    note.text_input(t("review.period_comment", lang), key=f"{kind}_period_comment")
    st.button(
        t(f"review.{kind}_button", lang),
        key=f"{kind}_period_button",
        icon=CHANGES[kind][1],
        on_click=_change_period,
        args=(kind, lang),
    )


def closing(who: auth.Actor, lang: str, zone: str, periods: list[str]) -> None:
    """关账: the periods closed (for everyone to see) and, for admins, closing a stored open
    period and reopening a closed one."""
    closed = data.closed_periods()
    admin = who.may(auth.CLOSE)
    if not admin and closed.empty:
        return
    st.subheader(t("review.closing", lang))
    st.caption(t("review.closing_hint", lang))
    if admin:
        open_periods = _newest_first(set(periods) - set(closed["period"]))
        if open_periods:
            _period_form("close", open_periods, lang)
        else:
            st.caption(t("review.no_open_periods", lang))
    if closed.empty:
        st.caption(t("review.none_closed", lang))
        return
    st.markdown("**" + t("review.closed_list", lang) + "**")
    st.dataframe(
        pd.DataFrame(
            {
                t("common.period", lang): closed["period"],
                t("review.closed_by", lang): tables.uploader_names(closed["closed_by"], lang),
                t("review.closed_at", lang): tables.times(closed["closed_at"], zone),
                t("review.period_comment", lang): closed["comment"]
                .replace("", None)
                .fillna(tables.MISSING),
            }
        ),
        hide_index=True,
        placeholder=tables.MISSING,
    )
    if admin:
        _period_form("reopen", _newest_first(closed["period"]), lang)
