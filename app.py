"""Balanced-scorecard KPI dashboard: `streamlit run app.py`.

Sets the page, builds the shared sidebar once, and hands over to the page the user chose.
On first start it shows the bundled sample company, so there is never an empty screen.
"""

from pathlib import Path

import streamlit as st

from kpi_engine.i18n import t
from ui import auth, data, meeting, navigation, runs, state

ICON = Path(__file__).with_name("ui") / "icon.png"

# A few runs at once, the others queued for their turn (ui/runs.py `admitted`).
with runs.admitted():
    navigation.leave_legacy_mode()  # the first run after start may be in Streamlit's pages/ mode
    in_meeting = meeting.on()
    st.set_page_config(
        page_title="KPI Scorecard",
        page_icon=str(ICON),  # a file: a material icon would be fetched from Google
        layout="wide",
        initial_sidebar_state="collapsed" if in_meeting else "auto",
    )

    lang = state.lang()
    with (
        runs.one_read_per_run(),  # each revision of the store read once in this run
        data.failures_shown(lang),  # a store or users file that fails: what to do, no traceback
    ):
        who = auth.gate(lang)  # the sign-in screen, when sign-in is set up
        labels = data.period_labels()
        before = state.current()  # the grain and period last chosen order the departments
        choices = state.sidebar(
            labels, data.shown_departments(before.grain, before.period), data.shown()
        )
        lang = choices.lang
        meeting.toggle(lang)
        auth.sidebar(who, lang)
        auth.banner(who, lang)
        if in_meeting:
            meeting.stage(labels[choices.grain], lang)
        pages = [
            st.Page(
                "pages/overview.py",
                title=t("page.overview", lang),
                icon=":material/dashboard:",
                default=True,
            ),
            st.Page(
                "pages/scorecard.py", title=t("page.scorecard", lang), icon=":material/target:"
            ),
            st.Page("pages/heatmap.py", title=t("page.heatmap", lang), icon=":material/grid_on:"),
            st.Page("pages/trends.py", title=t("page.trends", lang), icon=":material/trending_up:"),
            st.Page("pages/whatif.py", title=t("page.whatif", lang), icon=":material/tune:"),
            st.Page("pages/actions.py", title=t("page.actions", lang), icon=":material/task_alt:"),
            st.Page("pages/data.py", title=t("page.data", lang), icon=":material/upload_file:"),
            st.Page(
                "pages/submissions.py",
                title=t("page.submissions", lang),
                icon=":material/fact_check:",
            ),
            st.Page(
                "pages/settings.py", title=t("page.settings", lang), icon=":material/settings:"
            ),
        ]
        with navigation.shell():
            st.navigation(pages).run()
