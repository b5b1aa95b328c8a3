"""What may leave the process and who may change what: the privacy rule for small counts of
vulnerable people (privacy) and the sign-in rules, token lockouts and allow-lists (access).

May import: text, data, engine, question, measures.
"""
