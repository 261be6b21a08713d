"""Data: upload workbooks, read the validation report, accept the good rows."""

import streamlit as st

from kpi_engine.i18n import t
from ui import data, state, tables

state.require_shell()
lang = state.lang()
st.title(t("page.data", lang))
files = st.file_uploader(
    t("data.upload", lang),
    type=["xlsx", "xlsm", "xls", "csv"],
    accept_multiple_files=True,
    help=t("data.upload_help", lang),
    key="uploader",
)
for upload in files or []:
    content = upload.getvalue()
    checked = data.check(((upload.name, content),))
    accepted = data.is_accepted(content)
    errors = len(checked.errors)
    with st.container(border=True):
        st.markdown(
            "**"
            + t(
                "data.file_summary",
                lang,
                file=upload.name,
                accepted=checked.rows_accepted,
                rejected=checked.rows_rejected,
            )
            + "**"
        )
        if not errors and checked.rows_accepted and not accepted:
            data.accept(upload.name, content)
            accepted = True
        if checked.issues.empty:
            st.success(t("data.no_issues", lang))
        else:
            st.dataframe(
                tables.issues(checked.issues, lang),
                hide_index=True,
                column_config=tables.issue_columns(lang),
            )
        if (
            errors
            and checked.rows_accepted
            and not accepted
            and st.button(
                t("data.accept_good_rows", lang),
                key=f"accept-{data.digest(content)}",
                help=t("data.accept_good_rows_help", lang),
            )
        ):
            data.accept(upload.name, content)
            st.rerun()
        if accepted:
            st.success(t("data.joined", lang))
        with st.expander(t("data.preview", lang)):
            st.dataframe(tables.preview(checked.kpis, lang), hide_index=True)

st.subheader(t("data.in_session", lang))
if data.uploads():
    st.dataframe(tables.uploads(data.uploads(), lang), hide_index=True)
else:
    st.caption(t("data.none_in_session", lang))

st.subheader(t("data.history", lang))
st.dataframe(tables.upload_history(data.upload_history(), lang), hide_index=True)

st.subheader(t("data.download_template", lang))
cols = st.columns(3)
for col, (key, path) in zip(cols, data.templates().items(), strict=True):
    col.download_button(t(key, lang), path.read_bytes(), file_name=path.name)
