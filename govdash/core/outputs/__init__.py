"""Everything that leaves as a file: formula-safe CSV and XLSX (exports, xlsx), readable
headers and portable file names (readable), the briefing deck's running order (deck) and content
(briefing), its workbook (briefing_workbook) and PPTX (pptx_deck), and playlists of saved views
(playlist).

May import: every other room of govdash.core.
"""
