"""The demo city: deterministic, the sizes the issue asks for, a tree treebeard agrees with, and
accounts that log in where they should."""

import datetime as dt
import io
import random
import re
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from jianfu.core.models import AuditEntry, RoleGrant, Unit, User
from jianfu.core.scope import visible
from jianfu.demo import generator, names

CHINESE = re.compile(r"^[\u4e00-\u9fff]+$")
AS_OF = dt.date(2025, 6, 30)


@pytest.fixture(scope="module")
def city():
    return generator.build_nodes("city", 2025)


@pytest.fixture(scope="module")
def province():
    return generator.build_nodes("province", 2025)


def kinds(nodes):
    return Counter(n["kind"] for n in nodes)


# --- The pure build -----------------------------------------------------------------------------


def test_same_seed_gives_the_same_city(city):
    assert generator.build_nodes("city", 2025) == city
    assert generator.build_accounts(city, 2025) == generator.build_accounts(
        generator.build_nodes("city", 2025), 2025
    )


def test_the_build_ignores_the_global_random_state(city):
    random.seed(1)
    first = generator.build_nodes("tiny", 7)
    random.seed(2)
    assert generator.build_nodes("tiny", 7) == first


def test_another_seed_gives_other_names(city):
    other = generator.build_nodes("city", 2026)
    ours = {n["name"] for n in city if n["kind"] in ("city", "county", "township")}
    theirs = {n["name"] for n in other if n["kind"] in ("city", "county", "township")}
    assert len(ours & theirs) < len(ours) / 2
    assert [a.full_name for a in generator.build_accounts(city, 2025)] != [
        a.full_name for a in generator.build_accounts(other, 2026)
    ]


@pytest.mark.parametrize("seed", [1, 2025, 987654])
def test_a_city_has_the_issues_sizes(seed):
    count = kinds(generator.build_nodes("city", seed))
    assert count["city"] == 1 and count["province"] == 0
    assert 8 <= count["county"] <= 12
    assert 55 <= count["department"] <= 65
    assert 130 <= count["township"] <= 170
    assert 2700 <= count["village"] <= 3300
    assert 80 <= count["county_department"] <= 150
    assert 150 <= count["school"] <= 600
    assert 150 <= count["enterprise"] <= 600


def test_a_province_has_the_issues_sizes(province):
    count = kinds(province)
    assert count["province"] == 1
    assert 14 <= count["city"] <= 18
    assert 100 <= count["county"] <= 140
    assert 1300 <= count["township"] <= 1700
    assert 22000 <= count["village"] <= 28000
    assert count["department"] >= 14 * 55
    assert count["school"] > 1000 and count["enterprise"] > 1000


def test_the_city_office_is_a_department_of_the_city(city):
    departments = {n["name"]: n for n in city if n["kind"] == "department"}
    assert departments["市委办公室"]["short_name"] == "市委办"
    assert departments["市发展和改革委员会"]["short_name"] == "市发改委"
    assert departments["市人力资源和社会保障局"]["short_name"] == "市人社局"
    assert "市纪委监委" in departments and "市教育局" in departments


@pytest.mark.parametrize("which", ["city", "province"])
def test_names_are_chinese_codes_unique_siblings_distinct(which, city, province):
    nodes = city if which == "city" else province
    assert len({n["code"] for n in nodes}) == len(nodes)
    for n in nodes:
        assert CHINESE.match(n["name"]), n
        assert n["short_name"] == "" or CHINESE.match(n["short_name"]), n
    siblings = Counter((n["path"][:-4], n["name"]) for n in nodes)
    assert [k for k, v in siblings.items() if v > 1] == []


@pytest.mark.parametrize("which", ["city", "province"])
def test_paths_depths_and_child_counts_agree(which, city, province):
    nodes = city if which == "city" else province
    by_path = {n["path"]: n for n in nodes}
    assert len(by_path) == len(nodes)
    children = Counter(n["path"][:-4] for n in nodes if n["depth"] > 1)
    for n in nodes:
        assert len(n["path"]) == 4 * n["depth"]
        assert set(n["path"]) <= set(Unit.alphabet)
        if n["depth"] > 1:
            assert n["path"][:-4] in by_path
        assert n["numchild"] == children[n["path"]]
    assert [n["path"] for n in nodes] == sorted(by_path)  # depth first, in path order


def test_path_steps_are_treebeards():
    for n in (1, 9, 10, 35, 36, 1295, 1296, 46655, 36**4 - 1):
        assert generator.step(n) == Unit._get_path(None, 1, n)
    assert generator.build_nodes("tiny", 1, root_step=3)[0]["path"] == "0003"


def test_codes_are_administrative(city):
    by_path = {n["path"]: n for n in city}
    for n in city:
        parent = by_path.get(n["path"][:-4])
        code = n["code"]
        if n["kind"] == "city":
            assert code == "410900"
        elif n["kind"] == "county":
            assert re.fullmatch(r"4109\d\d", code)
        elif n["kind"] == "department":
            assert re.fullmatch(r"410900D\d{3}", code)
        elif n["kind"] == "county_department":
            assert re.fullmatch(parent["code"] + r"D\d\d", code)
        elif n["kind"] in ("township", "village"):
            assert re.fullmatch(parent["code"] + r"\d{3}", code)
        elif n["kind"] == "school":
            assert re.fullmatch(parent["code"] + r"S\d\d", code) and parent["kind"] == "township"
        elif n["kind"] == "enterprise":
            assert re.fullmatch(parent["code"] + r"E\d\d", code) and parent["kind"] == "township"


def test_province_codes_are_prefixed_per_city(province):
    cities = [n for n in province if n["kind"] == "city"]
    assert province[0]["code"] == "410000"
    assert len({c["code"][:4] for c in cities}) == len(cities)
    city_of = {c["path"]: c for c in cities}
    for n in province:
        if n["depth"] > 2:
            assert n["code"].startswith(city_of[n["path"][:8]]["code"][:4])
    # A province's departments carry their city's name, so sixteen 教育局 are told apart.
    assert all(
        n["name"].startswith(city_of[n["path"][:8]]["name"]) or n["name"].startswith("共青团")
        for n in province
        if n["kind"] == "department"
    )


def test_account_plan(city):
    specs = generator.build_accounts(city, 2025)
    root = city[0]["code"]
    named = {s.username: s for s in specs[:6]}
    assert list(named) == ["office", "leader", "discipline", "sysadmin", "secadmin", "auditor"]
    assert all(s.home_code == root and s.roles == (s.username,) for s in named.values())
    contacts = {s.home_code: s for s in specs[6:]}
    expected = {n["code"] for n in city if n["kind"] in ("county", "department")}
    assert set(contacts) == expected and len(specs) == 6 + len(expected)
    for s in specs[6:]:
        assert s.username == f"contact-{s.home_code}" and s.roles == ("contact",)
    for s in specs:
        assert CHINESE.match(s.full_name) and 2 <= len(s.full_name) <= 4


def test_province_named_accounts_live_at_the_province(province):
    specs = generator.build_accounts(province, 2025)
    assert {s.home_code for s in specs[:6]} == {"410000"}


def test_ordinal():
    assert [names.ordinal(n) for n in (2, 10, 12, 20, 35, 105, 112)] == [
        "二",
        "十",
        "十二",
        "二十",
        "三十五",
        "一百零五",
        "一百一十二",
    ]


# --- Writing to the database --------------------------------------------------------------------


@pytest.fixture
def tiny(db):
    """A tiny demo built beside the shared test city (its own root, prefixed account names)."""
    counts = generator.populate("tiny", 11, AS_OF, username_prefix="demo-")
    root = Unit.objects.get(code="410900")
    return counts, root


def test_a_database_build_is_a_tree_treebeard_agrees_with(tiny):
    counts, root = tiny
    assert Unit.objects.find_problems() == ([], [], [], [], [])
    assert root.depth == 1 and root.path == "0002"  # after the test city's root
    children = list(Unit.objects.get_children(root))
    assert [c.kind for c in children] == ["county", "county"] + ["department"] * 3
    assert Unit.objects.get_descendants(root).count() == counts["units"] - 1
    village = Unit.objects.filter(kind="village", path__startswith=root.path).first()
    assert Unit.objects.get_parent(village).kind == "township"
    assert [u.pk for u in Unit.objects.get_ancestors(village)][0] == root.pk
    # treebeard can go on adding where the bulk build stopped.
    added = Unit.objects.add_child(
        Unit.objects.get(pk=root.pk),
        {"code": "410900D999", "name": "市测试局", "kind": "department"},
    )
    assert added.path == root.path + generator.step(root.numchild + 1)
    assert Unit.objects.find_problems() == ([], [], [], [], [])


def test_the_build_matches_the_plan(tiny):
    counts, root = tiny
    plan = generator.build_nodes("tiny", 11, root_step=2)
    stored = list(
        Unit.objects.filter(path__startswith=root.path)
        .order_by("path")
        .values("code", "name", "short_name", "kind", "path", "depth", "numchild")
    )
    assert stored == plan
    assert counts["units"] == len(plan) and counts["village"] == 12
    # The six named, a contact per county and department, and the second commission account
    # that approves dispositions and the typical case the commission's first account drafted.
    assert counts["accounts"] == 6 + 2 + 3 + 1


def test_demo_accounts_log_in_with_their_roles_and_units(tiny, client):
    _, root = tiny
    office = User.objects.get(username="demo-office")
    assert office.home_unit == root and office.role_codes == {"office"}
    assert office.check_password(generator.DEMO_PASSWORD)
    assert not office.must_change_password
    assert office.password_changed_at.date() == AS_OF
    for username in ("leader", "discipline", "sysadmin", "secadmin", "auditor"):
        user = User.objects.get(username=f"demo-{username}")
        assert user.home_unit == root and user.role_codes == {username}
    contacts = User.objects.filter(username__startswith="demo-contact-")
    assert contacts.count() == 5
    for user in contacts:
        assert user.username == f"demo-contact-{user.home_unit.code}"
        assert user.home_unit.kind in ("county", "department")
        assert user.role_codes == {"contact"}
    # One hash for all: the demo hashes its password once.
    assert (
        User.objects.filter(username__startswith="demo-").values("password").distinct().count() == 1
    )
    assert client.login(username="demo-contact-410902", password=generator.DEMO_PASSWORD)


def test_the_office_sees_the_demo_city_and_a_contact_its_county(tiny):
    _, root = tiny
    office = User.objects.get(username="demo-office")
    seen = visible(Unit.objects.all(), office, perm="core.unit:view", unit_field=None)
    assert seen.count() == Unit.objects.filter(path__startswith=root.path).count()
    contact = User.objects.get(username="demo-contact-410902")
    mine = visible(Unit.objects.all(), contact, perm="core.unit:view", unit_field=None)
    assert set(mine.values_list("kind", flat=True)) >= {"county", "township", "village"}
    assert not mine.filter(kind="department").exists()


def test_the_load_is_audited_once(tiny):
    counts, root = tiny
    entries = AuditEntry.objects.filter(code="jianfu.demo.loaded")
    assert entries.count() == 1
    entry = entries.get()
    assert entry.actor_id is None and entry.object_id == str(root.pk)
    assert entry.extra["size"] == "tiny" and entry.extra["seed"] == 11
    assert entry.extra["as_of"] == "2025-06-30" and entry.extra["counts"] == counts
    assert generator.loaded_info()["counts"] == counts


def test_accounts_lists_the_demo_accounts(tiny):
    listed = {a.username: a for a in generator.accounts()}
    assert listed["demo-office"].roles == ("市委办工作人员",)
    assert listed["demo-contact-410902"].roles == ("单位联络员",)
    assert listed["demo-contact-410902"].unit == Unit.objects.get(code="410902").name
    demo = [a for a in generator.accounts() if a.username.startswith("demo-")]
    assert len(demo) == 12  # with demo-discipline2, who approves what the first account drafts


def test_an_account_with_its_own_password_is_not_listed(tiny):
    user = User.objects.get(username="demo-leader")
    user.set_password("Another@2025x")
    user.save()
    assert "demo-leader" not in {a.username for a in generator.accounts()}


def test_load_reuses_what_is_there(db):
    units, users = Unit.objects.count(), User.objects.count()
    audits = AuditEntry.objects.count()
    counts = generator.load("city", 2025)
    assert Unit.objects.count() == units and User.objects.count() == users
    assert AuditEntry.objects.count() == audits
    assert counts == generator.counts()
    assert counts["units"] == units and counts["accounts"] == users


def test_load_refuses_an_unknown_size(db):
    with pytest.raises(ValueError):
        generator.load("galaxy")


def test_extensions_get_the_build_and_add_their_data(db, monkeypatch):
    monkeypatch.setattr(generator, "EXTENSIONS", [])
    monkeypatch.setattr(generator, "import_stages", lambda *a: None)
    seen = {}

    @generator.register(count=lambda: {"points": 0})
    def points(ctx):
        seen["as_of"] = ctx.as_of
        seen["villages"] = len(ctx.units["village"])
        seen["draw"] = ctx.rng.random()
        village = ctx.units["village"][0]
        ctx.add_accounts(
            [
                generator.AccountSpec(
                    f"reporter-{village.code}", ctx.person_name(), village.code, ("reporter",)
                )
            ]
        )
        return {"points": 1}

    generator.register(points)  # registering twice keeps one
    assert len(generator.EXTENSIONS) == 1
    counts = generator.populate("tiny", 5, AS_OF, username_prefix="demo-")
    assert seen["as_of"] == AS_OF and seen["villages"] == 12
    name = f"{points.__module__}.{points.__qualname__}"
    assert seen["draw"] == random.Random(f"5:{name}").random()
    assert counts["points"] == 1 and counts["accounts"] == 12
    reporter = User.objects.get(username__startswith="demo-reporter-")
    assert reporter.home_unit.kind == "village"
    assert RoleGrant.objects.get(user=reporter).role == "reporter"
    assert generator.counts()["points"] == 0


def test_a_failed_extension_leaves_nothing_behind(db, monkeypatch):
    monkeypatch.setattr(generator, "EXTENSIONS", [])
    monkeypatch.setattr(generator, "import_stages", lambda *a: None)
    before = Unit.objects.count(), User.objects.count(), AuditEntry.objects.count()

    @generator.register
    def broken(ctx):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        generator.populate("tiny", 5, username_prefix="demo-")
    assert (Unit.objects.count(), User.objects.count(), AuditEntry.objects.count()) == before


# --- The command --------------------------------------------------------------------------------


def run(*args) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_command_reuses_existing_data_and_lists_accounts(db):
    units = Unit.objects.count()
    out = run("--size", "city", "--seed", "3")
    assert "沿用现有数据" in out and "删除 var/" in out
    assert Unit.objects.count() == units
    assert "Jianfu@2025" in out and "office" in out


def test_command_lists_accounts_only(tiny):
    out = run("--accounts")
    assert "用户名" in out and "所在单位" in out and "Jianfu@2025" in out
    assert "--all" in out  # more accounts than the few shown
    assert "沿用" not in out and "已生成" not in out  # lists only
    full = run("--accounts", "--all")
    assert "demo-contact-410902" in full and "……" not in full


def test_command_refuses_a_bad_date(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("--as-of", "2025/06/30")
