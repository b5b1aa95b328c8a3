"""What a question asks: the divisions (Selection), the months (Window) and the filters of a
figure (scope), and the shared view every page reads from and writes to its URL (view).

May import: text, data. (Nothing here runs SQL: a question is asked of the engine by measures.)
"""
