"""The Streamlit app: session and URL state, the context every page gets, typed cached calls into
the core, the chrome around charts, the sidebar, and one panels module per page."""
