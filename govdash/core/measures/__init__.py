"""The answers: metric values per scope and period by each metric's kind (metrics), figures and
KPI cards (figures), event-level questions (events), the source report's figures (facts) and their
reconciliation (reconcile), targets (targets), the headline's words (story), and what changed
between snapshots and who has not reported (admin).

May import: text, data, engine, question.
"""
