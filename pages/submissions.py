"""Submission board: each department's data for the latest periods, on time, late, missing
or waiting for approval or a note, with who sent them and when."""

import streamlit as st

from kpi_engine.i18n import t
from ui import navigation, state, submissions

navigation.require_shell()
choices = state.current()
st.title(t("page.submissions", choices.lang))
submissions.show(choices.grain, choices.period, choices.lang, choices.departments)
