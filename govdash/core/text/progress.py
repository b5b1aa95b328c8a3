"""The one progress callback type: long work (a demo build, an import, an export) reports the share
done (0 to 1) and what it is doing; the CLI draws a bar, the app an st.progress."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[float, str], None]
