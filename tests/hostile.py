"""Hostile values, shared by the URL and import suites: what an attacker or a broken client sends.

Each family is listed on its own so a failure names the kind of input; `HOSTILE` is the union,
with every value also glued to a valid code on either side (a valid prefix must not smuggle the
rest through).
"""

from __future__ import annotations

SQL = [
    "' OR 1=1 --",
    "'; drop table activities; --",
    "420103' OR '1'='1",
    "420103); delete from divisions; --",
    "1 union select * from read_parquet('/etc/passwd')",
    "$activities_parquet",
    "$$ select 1 $$",
    "\\'; select 1; --",
    "420103/*comment*/",
    "420103--",
    "420103%27%20OR%201=1",
    "' || (select version()) || '",
    "elderly_care' AND 1=CAST((SELECT 1) AS INT) --",
    "0x3a",
    "char(39)",
]
DUCKDB = [
    "read_csv('/etc/passwd')",
    "read_text('/etc/shadow')",
    "read_blob('/proc/self/environ')",
    "read_parquet('../../../../etc/passwd')",
    "read_json_auto('/root/.ssh/id_rsa')",
    "glob('/*')",
    "COPY (select 1) TO '/tmp/govdash-pwned.csv'",
    "ATTACH '/tmp/govdash-pwned.db' AS pwned",
    "INSTALL httpfs; LOAD httpfs",
    "PRAGMA database_list",
    "SET enable_external_access = true",
    "EXPORT DATABASE '/tmp/govdash-pwned'",
    "select * from 'http://example.com/x.parquet'",
    "query_table('activities')",
    "getenv('HOME')",
]
PATHS = [
    "../../../../etc/passwd",
    "..%2f..%2f..%2fetc%2fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "....//....//etc/passwd",
    "..\\..\\..\\windows\\win.ini",
    "/etc/passwd",
    "file:///etc/passwd",
    "~/.ssh/id_rsa",
    "2025-07-18-demo-54665ee6df/../../etc",
    "2025-07-18-demo-54665ee6df/manifest.json",
    ".tmp-abc",
    ".",
    "..",
    "/",
    "\\\\server\\share",
    "snapshot\x00.parquet",
    "%00",
    "/dev/zero",
    "/proc/self/fd/0",
    "CON",
]
MARKUP = [
    "<script>alert(1)</script>",
    '<img src=x onerror="window.__xss=1">',
    "<svg onload=alert(1)>",
    "javascript:alert(1)",
    "[点击](javascript:alert(1))",
    "![x](http://example.com/x.png)",
    "**粗体** _斜体_ `code`",
    "$$\\frac{1}{0}$$",
    ":material/warning: :red[红色]",
    "<b>粗</b>",
    "{{7*7}}",
    "${7*7}",
    "%s%s%s%n",
    "{0.__class__}",
    "<!--",
    "]]>",
    "&lt;script&gt;",
    '"><iframe src=//example.com>',
]
TEXT = [
    "",
    " ",
    "\t",
    "\r\n",
    "None",
    "null",
    "undefined",
    "true",
    "[]",
    "{}",
    '["420103"]',
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "1e309",
    "-1",
    "0",
    "99999999999999999999999999999",
    "\u202e301024",  # right-to-left override
    "4201\u200b03",  # zero-width space inside a code
    "\ufeff420103",  # byte order mark
    "４２０１０３",  # full-width digits
    "420103\u00a0",
    "江汉区",
    "Jianghan",
    "😀",
    "\x1b[31m",
    "a" * 10_000,
    "420103," * 60,
    "420103,420103",
    "420103;420106",
    "420103 420106",
    ",,,",
]
MONTHS = [
    "0000-01",
    "0000-12",
    "9999-12",
    "10000-01",
    "2025-00",
    "2025-13",
    "2025-1",
    "2025-06-01",
    "2025/06",
    "２０２５－０６",
    "-2025-06",
    "2025-06\n",
    "1900-01",
    "2025-99",
]
BASE = SQL + DUCKDB + PATHS + MARKUP + TEXT + MONTHS
# Glued to a valid value: "420103' OR 1=1 --" or "420103,<script>" must fail as a whole.
GLUED = (
    [f"420103{v}" for v in SQL + DUCKDB + PATHS + MARKUP]
    + [f"{v}420103" for v in SQL + DUCKDB]
    + [f"420103,{v}" for v in SQL + DUCKDB]
    + [f"2025-06{v}" for v in SQL + MARKUP]
)
HOSTILE = list(dict.fromkeys(BASE + GLUED))

# Files a hostile value names: none of them may ever be opened or created.
FORBIDDEN_PATHS = (
    "/etc/passwd",
    "/etc/shadow",
    "/root/.ssh",
    "/proc/self/environ",
    "/tmp/govdash-pwned",
)
