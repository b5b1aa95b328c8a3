"""Serving the dashboard in production shape: one Streamlit worker per core behind HAProxy with
sticky sessions, started, watched and stopped by one command (`python -m govdash serve`).

Streamlit keeps every session in the process that opened it and runs each session's script
under that process's GIL, so one process serves a whole meeting room on one core. Several
workers use every core; the proxy keeps each browser on its worker (a cookie), checks every
worker's health, and sends a browser whose worker died to a live one. Nothing here imports
Streamlit: the workers are processes.

May import: govdash.core (paths, snapshots).
"""
