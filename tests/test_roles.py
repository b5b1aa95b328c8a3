"""Who sees and changes what (issue 26): the access file is read and checked with located
messages; a district office's scope shows the open levels whole and, below them, its own
district only; an import may write only rows of the importer's scope."""

from __future__ import annotations

import pytest

from govdash.core.rules.roles import (
    ACCESS_FILE,
    AccessError,
    Scope,
    load_access,
    outside,
    parse_access,
    token_digest,
)

WUCHANG, JIANGHAN = "420106", "420103"
TOKEN = "wuchang-office-token-0123456789"
FILE = f"""
mode = "signed-in"

[visitors]
rights = ["view"]

[[people]]
id = "city-analyst"
email = "analyst@city.example.gov.cn"
rights = ["view", "present", "import"]

[[people]]
id = "wuchang-office"
token_sha256 = "{token_digest(TOKEN)}"
scope = ["{WUCHANG}"]
rights = ["view", "import"]

[[people]]
id = "admin"
email = "admin@city.example.gov.cn"
rights = ["admin"]
"""


def _known(divisions) -> dict[str, str]:
    return dict(zip(divisions["code"], divisions["level"], strict=True))


@pytest.fixture
def divisions(con, snapshot):
    from govdash.core.engine.query import run_query

    return run_query(con, "divisions", snapshot)


def test_the_access_file_names_people_scopes_and_rights(tmp_path, divisions):
    (tmp_path / ACCESS_FILE).write_text(FILE, encoding="utf-8")
    access = load_access(tmp_path, _known(divisions))
    assert access.mode == "signed-in"
    office = access.by_token(TOKEN)
    assert office.id == "wuchang-office" and office.scope.codes == (WUCHANG,)
    assert office.may("import") and not office.may("present") and not office.may("admin")
    assert access.by_token(TOKEN + "x") is None
    analyst = access.by_email("Analyst@City.example.gov.cn")  # addresses compare case-folded
    assert analyst.id == "city-analyst" and analyst.scope.whole_city
    assert access.by_id("admin").may("import")  # admin implies every right
    assert access.visitor.rights == frozenset({"view"})
    assert load_access(tmp_path / "elsewhere") is None  # no file: the site works as before


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ('mode = "closed"', "mode", "must be one of open, signed-in"),
        ('[[people]]\nid = "a"\nemail = "a@x.org"\nrights = ["veiw"]', "people[1] (a)",
         "unknown right(s) veiw"),
        ('[[people]]\nid = "a"\nemail = "a@x.org"\nscope = ["999999"]', "people[1] (a)",
         "unknown division code(s) 999999"),
        ('[[people]]\nid = "a"\nrights = ["view"]', "people[1] (a)", "give an email"),
        ('[[people]]\nid = "a"\ntoken_sha256 = "abc"', "people[1] (a).token_sha256", "64"),
        ('[[people]]\nid = "a"\nemail = "a@x.org"\n[[people]]\nid = "a"\nemail = "b@x.org"',
         "people[2] (a)", "given twice"),
        ('[[people]]\nid = "a"\nemail = "\u212aate@x.org"', "people[1] (a).email", "normal form"),
        ('[[people]]\nid = "a"\nemail = "a@x.org"\nscop = ["420106"]', "people[1] (a).scop",
         "unknown setting"),
        ('[visitors]\nrights = ["import"]', "visitors", "may not import"),
        ("mode = [", "", "not valid TOML"),
    ],
)  # fmt: skip
def test_a_wrong_access_file_is_a_located_error(tmp_path, divisions, text, where, words):
    (tmp_path / ACCESS_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(AccessError) as caught:
        load_access(tmp_path, _known(divisions))
    message = caught.value.text("en")
    assert words in message, message
    assert f"{tmp_path / ACCESS_FILE}: {where}".rstrip(": ") in message, message
    assert "。" not in caught.value.text("en") and caught.value.text("zh") != message


def test_a_district_scope_sees_open_levels_whole_and_its_own_district_below(divisions):
    scope = Scope((WUCHANG,))
    levels = _known(divisions)
    seen = scope.visible_codes(divisions)
    for code, level in levels.items():
        if level in ("city", "district"):
            assert code in seen
        else:
            assert (code in seen) == code.startswith(WUCHANG), code
    street = next(c for c, lv in levels.items() if lv == "street" and c.startswith(WUCHANG))
    narrow = Scope((street,))
    assert narrow.sees(WUCHANG, "district") and narrow.sees(street, "street")
    other = next(c for c, lv in levels.items() if lv == "street" and c.startswith(WUCHANG)
                 and c != street)  # fmt: skip
    assert not narrow.sees(other, "street")


def test_a_scope_keeps_only_the_rows_it_sees(divisions):
    import pandas as pd

    communities = divisions[divisions["level"] == "community"]
    frame = pd.DataFrame({"division_code": list(communities["code"]), "n": 1})
    kept = Scope((WUCHANG,)).keep(frame, divisions)
    assert len(kept) and kept["division_code"].str.startswith(WUCHANG).all()
    assert len(kept) == communities["code"].str.startswith(WUCHANG).sum()
    assert len(Scope(()).keep(frame, divisions)) == len(frame)


def test_an_importer_writes_only_rows_of_their_scope():
    scope = Scope((WUCHANG,))
    assert scope.holds_row(WUCHANG + "001001") and not scope.holds_row(JIANGHAN + "001001")
    assert not scope.holds_row("420100")  # the city above the district is not the district's
    assert outside([WUCHANG + "001", JIANGHAN + "002", JIANGHAN + "002"], scope) == [
        JIANGHAN + "002"
    ]
    assert Scope(()).holds_row(JIANGHAN + "001001")


def test_parse_collects_every_problem_at_once():
    with pytest.raises(AccessError) as caught:
        parse_access({"mode": "x", "people": [{"id": "a"}, {"id": "b", "rights": ["fly"]}]})
    assert len(caught.value.problems) >= 4


def test_a_pass_names_its_person_until_it_expires_or_the_token_changes(tmp_path, divisions):
    from govdash.core.rules.roles import pass_holder, person_pass

    (tmp_path / ACCESS_FILE).write_text(FILE, encoding="utf-8")
    access = load_access(tmp_path, _known(divisions))
    office, key = access.by_token(TOKEN), b"k" * 32
    made = person_pass(office, key, now=1_000_000.0, seconds=60)
    assert TOKEN not in made and pass_holder(access, made, key, 1_000_030.0) == office
    assert pass_holder(access, made, key, 1_000_061.0) is None, "expired"
    assert pass_holder(access, made, b"x" * 32, 1_000_030.0) is None, "another server's key"
    forged = made.replace("wuchang-office", "city-analyst", 1)
    assert pass_holder(access, forged, key, 1_000_030.0) is None, "another person's name"
    longer = made.rsplit(".", 2)
    assert pass_holder(access, f"{longer[0]}.9{longer[1]}.{longer[2]}", key, 1_000_030.0) is None
    changed = FILE.replace(token_digest(TOKEN), token_digest(TOKEN + "-new"))
    (tmp_path / ACCESS_FILE).write_text(changed, encoding="utf-8")
    assert pass_holder(load_access(tmp_path), made, key, 1_000_030.0) is None, "token replaced"
    for junk in (None, 3, "", "a.b", "x" * 400, "wuchang-office.notanumber.abc"):
        assert pass_holder(access, junk, key, 1_000_030.0) is None


def test_a_file_that_does_not_say_its_mode_is_signed_in_where_there_is_single_sign_on():
    access = parse_access({"people": [{"id": "a", "email": "a@x.org", "rights": ["view"]}]})
    assert access.mode_for(has_oidc=True) == "signed-in"
    assert access.mode_for(has_oidc=False) == "open"
    assert parse_access({"mode": "open"}).mode_for(has_oidc=True) == "open"
