"""The core: no Streamlit, no Plotly. Its rooms, each importing only the rooms before it:

    text      words and numbers (problems, i18n, fmt, numbers, progress)
    data      the contract, catalog, vocabularies, divisions, paths and snapshots on disk
    engine    the one way SQL runs, rollups, and publishing a snapshot
    question  what a question asks: divisions, months, filters, the URL's view
    measures  the answers: metrics, figures, events, facts, reconciliation, story, targets
    rules     what may leave (privacy) and who may change what (access)
    evaluation  the pilot evaluation: the estimate, its panel from a snapshot, its words
    outputs   files that leave: CSV/XLSX, readable headers, the briefing deck, playlists

It knows no screen: nothing here imports streamlit, plotly, govdash.viz or govdash.app, so the
CLI, the importer, exports and the app share it. tests/test_architecture.py holds both rules: no
screen, and the order of the rooms (an import from a room to a later one fails).
"""
