"""Words and numbers, for every room: located bilingual problems (problems), the progress
callback (progress), the translation catalog (i18n, i18n.toml), numbers as people type them in
Chinese reports (numbers: 40余, 近3万, 1.5亿) and as a page writes them (fmt: 万/亿, K/M).

May import: nothing else of govdash.core. Every other room may import it.
"""
