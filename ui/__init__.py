"""Streamlit UI helpers: message catalogs (`i18n`) and Altair chart builders (`charts`)."""
