"""The core: data contract, snapshots, queries, metrics and every rule about numbers.

It knows no screen: nothing here imports streamlit, plotly, govdash.viz or govdash.app
(tests/test_architecture.py checks it), so the CLI, the importer, exports and the app share it.
"""
