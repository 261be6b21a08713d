"""Data: upload workbooks, read the validation report, accept the good rows; the stored
history of every session, each department-month's versions, restore, delete and undo."""

import pandas as pd
import streamlit as st

from kpi_engine import Limits
from kpi_engine.core.schema import PUBLISHED
from kpi_engine.i18n import t
from ui import auth, data, derived, navigation, review, state, tables, text, uploader

navigation.require_shell()
lang = state.lang()
who = auth.actor()
st.title(t("page.data", lang))
zone = data.settings().time_zone
review.queue(who, lang, zone)


def _stored_message(result: data.UploadResult) -> None:
    """Say what storing did: which versions it made, or that nothing changed."""
    if result.status == data.DUPLICATE:
        st.info(t("data.duplicate", lang), icon=":material/content_copy:")
        review.stored_notice(result.state, lang)
        return
    made = t("common.list_sep", lang).join(
        text.md("data.version_of", lang, department=d, period=p, n=n) for d, p, n in result.versions
    )
    st.success(t("data.joined", lang) + " · " + t("data.stored_versions", lang, versions=made))
    review.stored_notice(result.state, lang)


CARDS = 30  # issues shown as cards per file; the full table holds every one
CARD = {"error": st.error, "warning": st.warning}
ICON = {"error": ":material/error:", "warning": ":material/warning:"}


def _issues(found: pd.DataFrame) -> None:
    """The validation report: per file, one card per issue, the message (what to do) in
    full width and where it is (sheet, row, column, value) beneath it; the full table
    below when there are more issues than cards."""
    for file, cards in tables.issue_cards(found, lang).items():
        st.markdown("**" + text.md("data.issues_in_file", lang, file=file, n=len(cards)) + "**")
        for card in cards.head(CARDS).itertuples():
            severity = card.severity if card.severity in CARD else "warning"
            place = f"  \n{text.plain(card.place)}" if card.place else ""
            CARD[severity](text.plain(card.message) + place, icon=ICON[severity])
        if len(cards) > CARDS:
            st.caption(t("data.issues_more", lang, n=len(cards) - CARDS))
    if len(found) > CARDS:
        with st.expander(t("data.issues_table", lang)):
            st.dataframe(
                tables.issues(found, lang),
                hide_index=True,
                column_config=tables.issue_columns(lang),
                placeholder=tables.MISSING,
            )


def _table(frame: pd.DataFrame, **options: object) -> None:
    """A table, or our own words where it has no rows (Streamlit's empty grid says
    nothing in the user's language)."""
    if frame.empty:
        st.info(t("data.empty_table", lang), icon=":material/inbox:")
    else:
        st.dataframe(frame, hide_index=True, placeholder=tables.MISSING, **options)


if who.may(auth.UPLOAD):
    limit = Limits.from_env().max_file_mb
    # Streamlit's own words in the drop zone (English, and its 200MB default) are hidden;
    # ours and the real limit are drawn in their place.
    st.html(uploader.style(t("data.drop_here", lang), t("data.browse", lang)))
    files = st.file_uploader(
        t("data.upload", lang),
        type=["xlsx", "xlsm", "xls", "csv"],
        accept_multiple_files=True,
        help=t("data.upload_help", lang),
        key="uploader",
        max_upload_size=limit,
    )
    st.caption(t("data.upload_limit", lang, mb=limit))
else:
    st.info(t("access.read_only", lang, role=t(f"role.{who.role}", lang)))
    files = []
for upload in files or []:
    content = upload.getvalue()
    checked = data.check(((upload.name, content),))
    result = data.upload_result(content)
    errors = len(checked.errors)
    held = bool(errors) or data.to_check(checked)  # stored once the user says so
    with st.container(border=True):
        summary = st.empty()  # said once we know whether the rows are stored
        # a hierarchy-only file (组织架构) has no KPI row and is stored for its tree
        storable = bool(checked.rows_accepted or len(checked.org))
        if not held and storable and result is None:
            result = data.accept(upload.name, content)
        if held and not errors and result is None:
            st.warning(t("data.check_first", lang), icon=":material/fact_check:")
        if checked.issues.empty:
            st.success(t("data.no_issues", lang))
        else:
            _issues(checked.issues)
        accept = "data.accept_good_rows" if errors else "data.accept_checked"
        if (
            held
            and storable
            and result is None
            and st.button(
                t(accept, lang),
                key=f"accept-{data.digest(content)}",
                help=t(f"{accept}_help", lang),
            )
        ) and data.accept(upload.name, content):
            st.rerun()
        summary.markdown(
            "**"
            + text.md(
                "data.summary_pending" if result is None else "data.summary_done",
                lang,
                file=upload.name,
                accepted=checked.rows_accepted,
                rejected=checked.rows_rejected,
            )
            + "**"
        )
        if len(checked.org):
            st.caption(t("data.org_placed", lang, count=len(checked.org)))
        if result is not None:
            _stored_message(result)
        with st.expander(t("data.preview", lang)):
            _table(tables.preview(checked.kpis, lang))

st.subheader(t("data.in_session", lang))
if data.uploads():
    _table(tables.uploads(data.uploads(), lang))
else:
    st.caption(t("data.none_in_session", lang))

history = data.upload_history()
review.mine(who, lang, zone, history)
st.subheader(t("data.history", lang))
st.caption(t("data.times_in_zone", lang, zone=zone))
_table(derived.shown_upload_history(lang, zone))


def _upload(upload_id: int) -> pd.Series:
    return history.loc[history["upload_id"] == upload_id].iloc[0]


def _restore(upload_id: int) -> None:
    if data.restore(upload_id):
        st.toast(text.md("data.restored", lang, file=_upload(upload_id)["name"]))


def _delete(upload_id: int) -> None:
    st.session_state[state.PENDING_DELETE] = None
    if data.delete(upload_id):
        st.session_state[state.LAST_DELETED] = upload_id


def _undo(upload_id: int) -> None:
    if data.undo_delete(upload_id):  # else refused, and said so (another session undid it)
        st.toast(text.md("data.undone", lang, file=_upload(upload_id)["name"]))
    st.session_state[state.LAST_DELETED] = None


st.subheader(t("data.versions", lang))
st.caption(t("data.versions_hint", lang))
last = st.session_state.get(state.LAST_DELETED)
if last is not None and last in set(history["upload_id"]):
    notice, undo = st.columns([4, 1], vertical_alignment="center")
    notice.info(text.md("data.deleted", lang, file=_upload(last)["name"]), icon=":material/delete:")
    undo.button(
        t("data.undo", lang), on_click=_undo, args=(last,), icon=":material/undo:", key="undo"
    )


def _versions(covered: pd.DataFrame) -> None:
    """Pick a department-month, see its versions, restore, delete (confirmed) or undo."""
    left, right = st.columns(2)
    department = left.selectbox(  # stored names (the store's keys), shown in our script
        t("common.department", lang),
        sorted(covered["department"].unique()),
        format_func=data.shown(),
        key=state.VERSION_DEPARTMENT,
    )
    months = covered[covered["department"] == department].sort_values("period", ascending=False)
    counts = dict(zip(months["period"], months["versions"], strict=True))
    period = right.selectbox(
        t("common.period", lang),
        list(counts),
        format_func=lambda p: t("data.period_versions", lang, period=p, n=counts[p]),
        key=state.VERSION_PERIOD,
    )
    found = derived.shown_versions(department, period, lang, zone)
    _table(found.table)
    rows = found.facts
    shown = [i for i, r in rows.items() if r["current"]]
    if st.session_state.get(state.VERSION_PICK) not in rows:
        st.session_state[state.VERSION_PICK] = shown[0] if shown else list(rows)[-1]
    pick = st.selectbox(
        t("data.pick_version", lang),
        list(rows),
        format_func=found.labels.__getitem__,
        key=state.VERSION_PICK,
    )
    chosen = rows[pick]
    restore_col, delete_col = st.columns(2)
    restore_col.button(
        t("data.restore", lang),
        help=t("data.restore_help", lang),
        disabled=bool(chosen["current"])
        or chosen["state"] != PUBLISHED
        or not who.may(auth.RESTORE),
        on_click=_restore,
        args=(pick,),
        icon=":material/history:",
        key="restore",
        width="stretch",
    )
    if chosen["deleted"]:
        delete_col.button(
            t("data.undo", lang),
            on_click=_undo,
            args=(pick,),
            disabled=not who.may(auth.DELETE),
            icon=":material/undo:",
            key="undo_pick",
            width="stretch",
        )
    elif delete_col.button(
        t("data.delete", lang),
        icon=":material/delete:",
        key="delete",
        width="stretch",
        disabled=not who.may(auth.DELETE),
    ):
        st.session_state[state.PENDING_DELETE] = pick
    if st.session_state.get(state.PENDING_DELETE) == pick and not chosen["deleted"]:
        upload = _upload(pick)
        with st.container(border=True):
            st.warning(
                text.md(
                    "data.confirm_delete",
                    lang,
                    file=upload["name"],
                    departments=t("common.list_sep", lang).join(upload["departments"]),
                    periods=t("common.list_sep", lang).join(upload["periods"]),
                ),
                icon=":material/warning:",
            )
            yes, no = st.columns(2)
            yes.button(
                t("data.confirm_delete_button", lang),
                type="primary",
                on_click=_delete,
                args=(pick,),
                key="confirm_delete",
                width="stretch",
            )
            no.button(
                t("data.cancel", lang),
                on_click=st.session_state.__setitem__,
                args=(state.PENDING_DELETE, None),
                key="cancel_delete",
                width="stretch",
            )


covered = data.covered()
if covered.empty:
    st.caption(t("data.no_versions", lang))
else:
    _versions(covered)
review.closing(who, lang, zone, list(covered["period"].unique()))

st.subheader(t("data.download_template", lang))
cols = st.columns(3)
for col, (key, path) in zip(cols, data.templates().items(), strict=True):
    col.download_button(t(key, lang), path.read_bytes(), file_name=path.name)
