"""Saving views into playlists (the sidebar of every page with figures) and managing playlists
(order, remove, export, import) from presentation mode.

The files themselves are core.outputs.playlist's: this module only asks and answers. Every write is
checked by reading it back, and a playlist that fails to load is named with its problem instead
of disappearing from the list.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from pathlib import Path

import pandas as pd
import streamlit as st

from govdash.app import chrome, context, signin, trail
from govdash.core.outputs import playlist as pl
from govdash.core.question.view import to_params
from govdash.core.text.i18n import t
from govdash.core.text.problems import GovdashError

PLAYLIST_PARAM = "playlist"
NEW = "__new__"
MESSAGE, PROBLEM = "_playlist_message", "_playlist_problem"
# The playlist this session saved into last: the next save offers it again. Nothing else is
# offered by default, so a new visitor's first save never lands in someone else's playlist.
LAST = "_playlist_last"
IMPORT = "playlist-import"
PICK = "playlist-pick"  # the menu's choice of what plays
VISITOR_KEY = "_playlist_visitor"  # a visitor's owner id for this session (not signed in)


def editor(ctx: context.Context) -> pl.Editor:
    """Who this session is to the playlists: the signed-in person (by the access file), else the
    signed-in address or the admin token, else a visitor of this session only; and whether they
    are an admin (who may change anyone's playlist)."""
    who = trail.who()
    if ctx.person is None and who != trail.VISITOR:
        return pl.Editor(who, signin.session_is_admin())
    if ctx.person is not None and ctx.person.id != signin.VISITOR_ID:
        return pl.Editor(ctx.person.id, ctx.person.may("admin"))
    key = st.session_state.setdefault(VISITOR_KEY, pl.VISITOR_PREFIX + secrets.token_hex(6))
    return pl.Editor(key, False)


def folder(ctx: context.Context) -> Path:
    return pl.playlists_dir(Path(ctx.root))


def _signature(where: Path) -> tuple:
    """What changes when a playlist file is written, removed or replaced. A name that cannot be
    looked at (a dangling link, a file removed since the listing) counts by its name alone:
    reading the folder then names it."""
    if not where.is_dir():
        return ()
    found = []
    for path in sorted(where.glob("*.json")):
        try:
            info = path.stat()
        except OSError:
            found.append((path.name,))
            continue
        found.append((path.name, info.st_mtime_ns, info.st_size))
    return tuple(found)


@st.cache_data(max_entries=8, show_spinner=False)
def _load(where: str, signature: tuple) -> tuple[list[pl.Playlist], list]:
    return pl.load_playlists(Path(where))


def saved_playlists(ctx: context.Context) -> tuple[list[pl.Playlist], list]:
    """The folder's playlists and the problems of the unreadable ones, read again only when a
    file changed: the sidebar asks on every rerun of every page."""
    where = folder(ctx)
    return _load(str(where), _signature(where))


def current_params(ctx: context.Context) -> dict[str, str]:
    """The view as a saved view keeps it: the URL's filters and period, and the language."""
    params = to_params(ctx.view, ctx.options)
    if ctx.lang != "zh":
        params["lang"] = ctx.lang
    return params


def save_panel(ctx: context.Context, page: str, page_title: str) -> None:
    """In the sidebar: save what this page shows now, under a name, into a playlist."""
    if page not in pl.PLAYABLE or not ctx.may("present"):
        return
    lang = ctx.lang
    me = editor(ctx)
    playlists = [p for p in saved_playlists(ctx)[0] if me.may_change(p)]  # never another's
    with st.sidebar.expander(t("playlist.save_heading", lang)):
        st.text_input(
            t("playlist.view_name", lang),
            value=f"{page_title} · {chrome.scope_label(ctx)}"[: pl.MAX_NAME],
            max_chars=pl.MAX_NAME,
            key=f"playlist-view-name-{page}",
        )
        choices = [NEW, *(p.id for p in playlists)]
        names = {p.id: p.name for p in playlists}
        target = st.selectbox(
            t("playlist.into", lang),
            choices,
            format_func=lambda c: t("playlist.new", lang) if c == NEW else names[c],
            index=choices.index(last) if (last := st.session_state.get(LAST)) in choices else 0,
            key=f"playlist-target-{page}",
            placeholder=t("filter.choose", lang),  # else Streamlit's English one
        )
        if target == NEW:
            st.text_input(t("playlist.new_name", lang), max_chars=pl.MAX_NAME,
                          key=f"playlist-new-name-{page}")  # fmt: skip
        # A callback, not the button's return value: it runs before any script of the next run,
        # so the click is never lost to a rerun that a page may start.
        st.button(
            t("playlist.save", lang), key=f"playlist-save-{page}", width="stretch",
            on_click=_save_clicked,
            args=(ctx.root, str(folder(ctx)), page, current_params(ctx), lang, me),
        )  # fmt: skip
        for message in st.session_state.pop(MESSAGE, []):
            st.success(message, icon=":material/check_circle:")
        for message in st.session_state.pop(PROBLEM, []):
            st.error(message)


def _save_clicked(
    root: str, where: str, page: str, params: dict[str, str], lang: str, me: pl.Editor
) -> None:
    """Add the view as it was shown to the chosen playlist (one of the editor's own: a target
    forged into the request is refused by the write), or start a new one with it."""
    state = st.session_state
    name = " ".join(str(state.get(f"playlist-view-name-{page}", "")).split())
    target = state.get(f"playlist-target-{page}", NEW)
    saved = pl.SavedView(name, page, params)
    playlists, _ = pl.load_playlists(Path(where))
    old = next((p for p in playlists if p.id == target), None)
    if old is None:
        new_name = " ".join(str(state.get(f"playlist-new-name-{page}", "")).split())
        chosen = pl.Playlist(pl.new_id(new_name), new_name, (saved,), me.id)
    else:
        chosen = replace(old, views=(*old.views, saved))
    # The name is the user's text: plain text in a message that Streamlit reads as markdown.
    message = t("playlist.saved", lang, name=chrome.md(chosen.name), n=len(chosen.views))
    if _write(Path(where), chosen, message, lang, me, root):
        state[LAST] = chosen.id
        state[f"playlist-target-{page}"] = chosen.id  # this page's choice follows too
        action = "playlist_save" if old is None else "playlist_change"
        trail.note(root, action, playlist=chosen.id, views=len(chosen.views))


def _write(
    where: Path, chosen: pl.Playlist, message: str, lang: str, me: pl.Editor, root: str
) -> bool:
    """Save a playlist and leave a message for the page: done, or why not (someone else's
    playlist, a full quota, a bad name, a read-only disk). A refused change enters the trail."""
    try:
        pl.save_playlist(where, chosen, me)
    except GovdashError as exc:
        st.session_state[PROBLEM] = [chrome.md(exc.text(lang))]
        trail.note(root, "refusal", reason="playlist_refused", playlist=chosen.id)
        return False
    except OSError as exc:
        st.session_state[PROBLEM] = [
            t("playlist.cannot_write", lang, reason=exc.strerror or str(exc))
        ]
        return False
    st.session_state[MESSAGE] = [message]
    return True


def chosen_playlist(ctx: context.Context) -> tuple[pl.Playlist | None, list[str]]:
    """The playlist ?playlist= names, and what is wrong with it or its views on this snapshot."""
    wanted = st.query_params.get(PLAYLIST_PARAM)
    if not wanted:
        return None, []
    lang = ctx.lang
    playlists, problems = saved_playlists(ctx)
    found = next((p for p in playlists if p.id == wanted), None)
    if found is None:
        bad = [p.text(lang) for p in problems if p.where.startswith(f"{wanted}.json")]
        return None, bad or [t("playlist.unknown", lang, id=str(wanted)[:48])]
    checked = pl.check_against(found, ctx.options, f"{found.id}.json")
    return found, [p.text(lang) for p in checked]


def manage_panel(ctx: context.Context, current: pl.Playlist | None) -> None:
    """Inside the presentation's playlist menu: which deck plays, and the current playlist's
    order, export and import."""
    lang = ctx.lang
    playlists, problems = saved_playlists(ctx)
    names = {p.id: p.name for p in playlists}
    options = ["", *names]
    picked = st.selectbox(
        t("playlist.play", lang),
        options,
        index=options.index(current.id) if current and current.id in names else 0,
        format_func=lambda c: names.get(c, t("playlist.default_deck", lang)),
        key=PICK,
        placeholder=t("filter.choose", lang),
    )
    if picked != (current.id if current else ""):
        if picked:
            st.query_params[PLAYLIST_PARAM] = picked
        else:
            st.query_params.pop(PLAYLIST_PARAM, None)
        st.query_params["slide"] = "1"
        st.rerun()
    for problem in problems:
        st.warning(chrome.md(problem.text(lang)))
    for message in st.session_state.pop(MESSAGE, []):
        st.success(message, icon=":material/check_circle:")
    for message in st.session_state.pop(PROBLEM, []):
        st.error(message)
    if current is not None:
        me = editor(ctx)
        if me.may_change(current):
            _order(ctx, current, me)
        else:
            st.caption(t("playlist.not_yours", lang))
        st.button(t("playlist.copy", lang), key="playlist-copy", width="stretch",
                  on_click=_copy_clicked, args=(ctx.root, str(folder(ctx)), current, lang, me))  # fmt: skip
        st.download_button(
            t("playlist.export", lang), current.to_json(owner=False),
            file_name=f"{current.id}.json",
            mime="application/json", on_click="ignore", key="playlist-export", width="stretch",
        )  # fmt: skip
    upload = st.file_uploader(t("playlist.import", lang), type=["json"], key=IMPORT)
    if upload is not None:
        # A callback, as for saving a view: a click is never lost to a rerun the page starts.
        st.button(t("playlist.import_go", lang), key="playlist-import-go",
                  on_click=_import_clicked, args=(ctx.root, str(folder(ctx)), lang,
                                                  editor(ctx)))  # fmt: skip


def _copy_clicked(root: str, where: str, current: pl.Playlist, lang: str, me: pl.Editor) -> None:
    """A copy of the playing playlist that is the editor's own, and play it."""
    name = t("playlist.copy_name", lang, name=current.name)[: pl.MAX_NAME]
    copy = pl.Playlist(pl.new_id(name), name, current.views, me.id)
    if _write(Path(where), copy, t("playlist.copied", lang, name=chrome.md(name)), lang, me, root):
        trail.note(root, "playlist_save", playlist=copy.id, views=len(copy.views),
                   copied=current.id)  # fmt: skip
        _play(copy.id)


def _play(playlist_id: str) -> None:
    """Play a playlist from its first slide, from a callback: the link and the menu's choice
    both name it (else the menu, still on the old one, would switch back)."""
    st.query_params[PLAYLIST_PARAM] = playlist_id
    st.query_params["slide"] = "1"
    st.session_state[PICK] = playlist_id


def _import_clicked(root: str, where: str, lang: str, me: pl.Editor) -> None:
    """Read the uploaded file as any playlist file is read (every problem named with the file,
    the view and the parameter), save it and play it."""
    upload = st.session_state.get(IMPORT)
    if upload is None:
        return
    try:
        loaded = pl.parse_playlist(upload.getvalue()[: pl.MAX_BYTES + 1], upload.name)
    except GovdashError as exc:
        st.session_state[PROBLEM] = [chrome.md(exc.text(lang))]
        return
    loaded = replace(loaded, owner=me.id)  # whoever imports a file owns what it becomes
    message = t("playlist.imported", lang, name=chrome.md(loaded.name))
    if _write(Path(where), loaded, message, lang, me, root):
        trail.note(root, "playlist_save", playlist=loaded.id, views=len(loaded.views),
                   file=upload.name)  # fmt: skip
        _play(loaded.id)


def _order(ctx: context.Context, current: pl.Playlist, me: pl.Editor) -> None:
    """The playlist's views in a small table: a new position or a tick to remove, then save."""
    lang = ctx.lang
    table = pd.DataFrame(
        {
            "order": range(1, len(current.views) + 1),
            "name": [v.name for v in current.views],
            "remove": [False] * len(current.views),
        }
    )
    edited = st.data_editor(
        table,
        hide_index=True,
        disabled=["name"],
        column_config={
            "order": st.column_config.NumberColumn(
                t("playlist.col_order", lang), min_value=1, step=1, width="small"
            ),  # fmt: skip
            "name": st.column_config.TextColumn(t("playlist.col_name", lang)),
            "remove": st.column_config.CheckboxColumn(
                t("playlist.col_remove", lang), width="small"
            ),  # fmt: skip
        },
        key=f"playlist-order-{current.id}",
    )
    if st.button(t("playlist.save_order", lang), key="playlist-save-order", width="stretch"):
        result = pl.reorder(
            current,
            [None if pd.isna(v) else float(v) for v in edited["order"]],
            [bool(v) for v in edited["remove"].fillna(False)],
        )
        if result is None:
            try:
                pl.delete_playlist(folder(ctx), current.id, me)
            except GovdashError as exc:
                trail.note(ctx.root, "refusal", reason="playlist_refused", playlist=current.id)
                st.error(chrome.md(exc.text(lang)))
                return
            trail.note(ctx.root, "playlist_delete", playlist=current.id)
            st.query_params.pop(PLAYLIST_PARAM, None)
            st.rerun()
        if _write(folder(ctx), result, t("playlist.reordered", lang), lang, me, ctx.root):
            trail.note(ctx.root, "playlist_change", playlist=result.id, views=len(result.views))
            st.query_params["slide"] = "1"
            st.rerun()
