"""Actions: every action agreed in meetings, filtered by state, department and meeting
period; closed here with a note; downloaded as Excel."""

import streamlit as st

from kpi_engine.i18n import t
from ui import actions, data, downloads, navigation, state

navigation.require_shell()
lang, settings = state.lang(), data.settings()
st.title(t("actions.title", lang))
st.caption(t("actions.caption", lang))
found = data.actions()
if found.empty:
    st.info(t("actions.none", lang), icon=":material/task_alt:")
    st.stop()
on = actions.today(settings)
kept = actions.filters(found, lang, on)
if kept.empty:
    st.info(t("actions.none_shown", lang))
    st.stop()
actions.listing(kept, lang, settings, on)
downloads.actions(kept, lang, settings, on=on)
actions.closing(kept, lang, settings, on)
