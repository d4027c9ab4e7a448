"""Random edits in serve: the page specs kept in proportion to each edit (``views.delta``) equal a fresh
``collect_pages``, the integrity findings kept per CMOC equal fresh ones, and the written site equals a
full build. Edits cover text fields (handled in proportion) and fields that change lists, groupings and
labels (title, direction, status, relation, year…: every page recomputed but the CMOCs' and papers' own,
``dev.delta_shared``; a theory's order: every page), on a synthetic corpus whose CMOC
index and theory lists run over several pages."""
from __future__ import annotations

import importlib.util
import random
import re
import shutil
from pathlib import Path

import pytest

from evidence_explorer.content import integrity, urls
from evidence_explorer.content.diagnostics import Report
from evidence_explorer.dev.first_look import TEMPLATES, first_look, held_pages
from evidence_explorer.dev.incremental import Changes, finish, full_build, prepare, rebuild
from evidence_explorer.pipeline import BuildOptions
from evidence_explorer.site.pages import collect_pages

from test_incremental import full_reference, tree_diff

ROOT = Path(__file__).resolve().parents[1]
WORDS = ("care", "staff", "trust", "funding", "older", "people", "access", "community", "digital", "capacity",
         "nurses", "referrals", "outcomes", "records", "leadership", "continuity", "engagement", "hospital")


HEAVY = ("R&D", "<&&&&&&&&&&>", "&&&&&&&&&&&&&&&&&&&&")
"""Words whose escaped HTML is five times longer: row weights swing enough to move page boundaries."""


def words(rng: random.Random, low: int, high: int) -> str:
    pool = WORDS + HEAVY if rng.random() < 0.5 else WORDS
    return " ".join(rng.choice(pool) for _ in range(rng.randint(low, high))).capitalize()


def sub(pattern: str, repl) -> "callable":
    return lambda text, rng: re.sub(pattern, lambda m: repl(m, rng), text, count=1, flags=re.M)


CMOC_EDITS = {  # name → (text, rng) → new text
    "outcome": sub(r"^outcome: '.*'$", lambda m, r: f"outcome: '{words(r, 1, 30)}.'"),
    "context": sub(r"^context: '.*'$", lambda m, r: f"context: '{words(r, 1, 25)}.'"),
    "quote": sub(r"^  quote: '.*'$", lambda m, r: f"  quote: '{words(r, 2, 80)}'"),
    "no-quote": sub(r"^  quote: '.*'\n", lambda m, r: ""),
    "locator": sub(r"^  locator: '.*'$", lambda m, r: f"  locator: 'p. {r.randint(1, 300)}'"),
    "body": sub(r"^---\n(?![\s\S]*^---\n)", lambda m, r: f"---\n{words(r, 3, 12)}.\n"),
    "note-line": sub(r"\A---\n", lambda m, r: f"---\nreview_note: '{words(r, 1, 5)}'\n"),
    "title": sub(r"^title: '.*'$", lambda m, r: f"title: '{words(r, 1, 8)}'"),
    "direction": sub(r"^direction: (\w+)$", lambda m, r: "direction: " + ("barrier" if m[1] == "enabler" else "enabler")),
    "status": sub(r"^status: (\w+)$", lambda m, r: "status: " + r.choice(["agreed", "contested", "proposed"])),
    "relation": sub(r"^  relation: (\w+)$", lambda m, r: "  relation: " + r.choice(["supports", "refutes", "refines"])),
    "link-status": sub(r"^  relation: (\w+)(\n  status: \w+)?$", lambda m, r: f"  relation: {m[1]}\n  status: "
                       + r.choice(["agreed", "contested", "proposed"])),
    "source-status": sub(r"^  locator: (.*)(\n  status: \w+)?$", lambda m, r: f"  locator: {m[1]}\n  status: "
                         + r.choice(["agreed", "contested", "proposed"])),
    "group": sub(r"^mechanism_group: (\w+)$", lambda m, r: "mechanism_group: " + r.choice(["patient", "staff", "system"])),
    "no-direction": sub(r"^direction: \w+\n", lambda m, r: ""),
}
PAPER_EDITS = {
    "aim": sub(r"^aim: '.*'$", lambda m, r: f"aim: '{words(r, 2, 20)}.'"),
    "results": sub(r"^results: '.*'$", lambda m, r: f"results: '{words(r, 2, 40)}.'"),
    "journal": sub(r"^journal: .*$", lambda m, r: f"journal: '{words(r, 1, 4)}'"),
    "body": sub(r"^---\n(?![\s\S]*^---\n)", lambda m, r: f"---\n{words(r, 3, 12)}.\n"),
    "title": sub(r"^title: '.*'$", lambda m, r: f"title: '{words(r, 1, 8)}'"),
    "year": sub(r"^year: (\d+)$", lambda m, r: f"year: {r.randint(1990, 2024)}"),
    "author": sub(r"^- (\w+) (\w+)$", lambda m, r: f"- {r.choice(['Smith', 'Ng', 'Okafor'])} {m[2]}"),
    "design": sub(r"^design: .*$", lambda m, r: f"design: {r.choice(['Case study', 'Cohort study', 'Survey'])}"),
    "type": sub(r"^evidence_type: .*$", lambda m, r: f"evidence_type: {r.choice(['rct', 'qualitative-research'])}"),
    "excluded": sub(r"\A---\n(status: excluded\n)?", lambda m, r: "---\n" + ("" if m[1] else "status: excluded\n")),
}
THEORY_EDITS = {
    "body": sub(r"^---\n(?![\s\S]*^---\n)", lambda m, r: f"---\n{words(r, 3, 12)}.\n"),
    "title": sub(r"^title: '.*'$", lambda m, r: f"title: '{words(r, 1, 6)}'"),
    "statement": sub(r"^statement: '.*'$", lambda m, r: f"statement: 'If {words(r, 2, 9)}, then {words(r, 2, 9)}.'"),
    "status": sub(r"^status: .*$", lambda m, r: f"status: {r.choice(['reviewed', 'mapped', 'draft'])}"),
    "order": sub(r"\A---\n(order: \d+\n)?", lambda m, r: f"---\norder: {r.randint(1, 9)}\n"),  # moves it: a full respec
}
EDITS = {"cmocs": CMOC_EDITS, "papers": PAPER_EDITS, "theories": THEORY_EDITS}


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    spec = importlib.util.spec_from_file_location("synth", ROOT / "benchmarks" / "synth.py")
    synth = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synth)  # type: ignore[union-attr]
    base = tmp_path_factory.mktemp("incremental-random")
    assert synth.main(["120", str(base / "pristine")]) == 0
    return base


def check_state(state) -> None:
    fresh = tuple(collect_pages(state.corpus))
    kept = tuple(state.pages.values())
    assert [s.url for s in kept] == [s.url for s in fresh]
    for a, b in zip(kept, fresh):
        assert a == b, f"spec of {a.url} differs from a fresh collect_pages"
    assert state.findings == integrity.findings(state.corpus)


@pytest.mark.parametrize("seed", [1, 2])
def test_random_edits_keep_specs_and_site_equal_to_full_builds(synthetic, tmp_path, seed):
    content = tmp_path / "content"
    shutil.copytree(synthetic / "pristine", content)
    options = BuildOptions(content=content, output=tmp_path / "site", search=False)
    state = full_build(options).state
    assert state is not None
    assert len([u for u in state.pages if u.startswith("cmocs/page/")]) >= 2  # the index runs over pages
    rng = random.Random(seed)
    files = {kind: sorted((content / kind).glob("*.md")) for kind in EDITS}
    proportional, done, firsts, freed = 0, [], 0, 0
    for step in range(60):
        kind = rng.choice(["cmocs"] * 5 + ["papers"] * 2 + ["theories"])
        path = rng.choice(files[kind])
        name = rng.choice(sorted(EDITS[kind]))
        text = path.read_text(encoding="utf-8")
        new = EDITS[kind][name](text, rng)
        if new == text:
            continue
        path.write_text(new, encoding="utf-8")
        changes = Changes(content=frozenset({path.relative_to(content).as_posix()}))
        if step % 2:
            outcome = rebuild(state, changes, extras=True)
        else:  # as serve does: the edited entity's own page first, then the rest with the findings
            ready = prepare(state, changes, Report(), findings=False)
            assert ready is not None
            own = sorted(u for u, spec in state.pages.items() if spec.template in TEMPLATES)
            pick = random.Random(step)  # pages open in browsers: shown first when they are an entity's own
            viewing = [urls.output_path(u) for u in pick.sample(own, 2) + pick.sample(sorted(state.pages), 1)]
            shown = first_look(state, changes, ready, viewing)
            firsts += len(shown)
            held = held_pages(state, ready) if shown else None
            free = {} if held is None else {  # pages serve does not hold while the rest completes
                rel: path.read_bytes() for path in options.output.rglob("*.html")
                if (rel := path.relative_to(options.output).as_posix()) not in held}
            outcome = finish(state, changes, ready, Report())
            for rel, data in free.items():
                target = options.output / rel
                assert target.exists() and target.read_bytes() == data, (rel, kind, name)
            freed += bool(free)
            for url, html in shown.items():  # the page shown first is the one the complete rebuild wrote
                assert (options.output / urls.output_path(url)).read_text(encoding="utf-8") == html, (url, name)
        assert outcome.state is not None, (name, [d.format() for d in outcome.report.sorted()])
        state = outcome.state
        done.append((kind, name, outcome.proportional, outcome.structural))
        proportional += outcome.proportional
        check_state(state)
        if step % 20 == 19:
            assert tree_diff(options.output, full_reference(content, tmp_path)) == [], done
    assert tree_diff(options.output, full_reference(content, tmp_path)) == [], done
    assert proportional >= 5, done  # the text edits took the proportional path
    assert sum(s for *_x, s in done) >= 5, done  # titles, statuses, directions…: their own pages in proportion
    assert any(not p for _k, _n, p, _s in done), done  # and the others the full one
    assert firsts >= 30, done  # own pages shown first (edits in place; a theory's order moves it: none)
    assert freed >= 10, done  # and the pages not held kept their bytes


def _boundary_edits(synthetic: Path, tmp_path: Path, prefix: str, first_of) -> None:
    """Make the first CMOC of each page of the list at ``prefix`` (``first_of(spec)``) heavy, then
    light, then again: specs still equal fresh ones after each rebuild, some edit moves a page
    boundary, some takes the proportional path, and the site equals a full build."""
    content = tmp_path / "content"
    shutil.copytree(synthetic / "pristine", content)
    options = BuildOptions(content=content, output=tmp_path / "site", search=False)
    state = full_build(options).state
    assert state is not None
    moved = proportional = 0
    for weight in ("heavy", "light", "heavy", "light"):
        for url in [u for u in state.pages if u.startswith(prefix)]:
            spec = state.pages.get(url)
            if spec is None:
                continue
            c = first_of(spec)
            path = content / c.rel
            text = "'" + ("&&&&&&&&&& " * 10 if weight == "heavy" else "A") + ".'"
            new = re.sub(r"^(context|outcome): '.*'$", lambda m: f"{m[1]}: {text}", path.read_text(encoding="utf-8"),
                         flags=re.M)
            path.write_text(new, encoding="utf-8")
            outcome = rebuild(state, Changes(content=frozenset({c.rel})))
            assert outcome.state is not None
            state = outcome.state
            proportional += outcome.proportional
            now = state.pages.get(url)
            moved += now is None or first_of(now).id != c.id
            check_state(state)
    assert moved, "no edit moved a page boundary"
    assert proportional, "no edit took the proportional path"
    assert tree_diff(options.output, full_reference(content, tmp_path)) == []


def test_cmoc_index_boundaries_follow_row_weights(synthetic, tmp_path):
    """Make the first CMOC of each index page heavy, then light: the page before may then take it
    (and a heavy row may push rows on): specs still equal fresh ones, pages move as a full build's."""
    _boundary_edits(synthetic, tmp_path, "cmocs/page/",
                    lambda spec: next(x for _h, column in spec.context["groups"][0].columns for x in column))


def test_what_works_boundaries_follow_row_weights_within_its_own_budget(synthetic, tmp_path):
    """The what-works table's pages hold less than other lists (every page carries the filter form):
    a text edit that makes a page's first row heavy, then light, moves its boundaries as a full build
    does, judged against that smaller allowance (``whatworks.row_bytes``), not the lists' one."""
    _boundary_edits(synthetic, tmp_path, "what-works/page/", lambda spec: spec.context["rows"][0][0])


def test_what_works_pages_hold_for_an_edit_that_keeps_every_weight(synthetic, tmp_path):
    """Every what-works page as a full build split it is held by serve's check for an edit that
    changes no row's weight: the check judges a page against the table's own allowance (the filter
    form taken off), else every full page looks as if it could take the next page's first row and
    each edit recomputes the whole table."""
    from evidence_explorer.dev import delta
    from evidence_explorer.site.views.memo import Memo
    options = BuildOptions(content=synthetic / "pristine", output=tmp_path / "site", search=False)
    state = full_build(options).state
    assert state is not None
    urls = [u for u in state.pages if u.startswith("what-works/")]
    assert len(urls) > 2
    for url in urls:
        c = state.pages[url].context["rows"][0][0]
        assert delta._whatworks_holds(state.pages, state.corpus, c, Memo(dict(state.memo)), set(urls)), url


def test_theory_lists_follow_cmoc_title_weights(synthetic, tmp_path):
    """A CMOC's title edit recomputes only its theories' pages (``delta_shared``): make the first CMOC
    of each theory's list page heavy, then light, so lists gain and lose pages; the specs still equal
    fresh ones (a list page kept after its theory's list lost it would not) and the site a full build."""
    content = tmp_path / "content"
    shutil.copytree(synthetic / "pristine", content)
    options = BuildOptions(content=content, output=tmp_path / "site", search=False)
    state = full_build(options).state
    assert state is not None
    counts, structural = set(), 0
    for weight in ("heavy", "light", "heavy", "light"):
        for url in [u for u, spec in state.pages.items() if spec.template == "theory_cmocs.html"][:6]:
            spec = state.pages.get(url)
            if spec is None:
                continue
            c = next(e.cmoc for g in spec.context["cmoc_groups"] for _h, column in g.columns for e in column)
            path = content / c.rel
            title = "'" + ("&&&&&&&&&& " * 40 if weight == "heavy" else "A") + "'"
            new = re.sub(r"^title: '.*'$", f"title: {title}", path.read_text(encoding="utf-8"), count=1, flags=re.M)
            path.write_text(new, encoding="utf-8")
            outcome = rebuild(state, Changes(content=frozenset({c.rel})))
            assert outcome.state is not None
            state = outcome.state
            structural += outcome.structural
            counts.add(sum(1 for spec in state.pages.values() if spec.template == "theory_cmocs.html"))
            check_state(state)
    assert len(counts) > 1, "no edit made a theory's list gain or lose a page"
    assert structural, "no edit took the structural path"
    assert tree_diff(options.output, full_reference(content, tmp_path)) == []


def test_exports_keep_fragments_over_text_edits(synthetic, tmp_path):
    """serve's exports (``dev.export_memo``): after a text edit only the edited entity's fragments are
    computed again and every file equals the cold build's, and so after any edit of a CMOC that keeps
    its relations (title, status, direction, a relation's type); after a paper's title the memo starts over."""
    from evidence_explorer.dev.incremental import write_extras
    from evidence_explorer.pipeline import extra_files
    from evidence_explorer.site.views.memo import Memo
    content = tmp_path / "content"
    shutil.copytree(synthetic / "pristine", content)
    state = full_build(BuildOptions(content=content, output=tmp_path / "site", search=False)).state
    assert state is not None

    def files_equal(state) -> None:
        kept = write_extras(state)[0]
        cold = extra_files(state.corpus, tuple(state.pages.values()), state.base_url, Memo())
        output = tmp_path / "site"
        for rel, text in cold.items():
            data = text.encode("utf-8") if isinstance(text, str) else text
            assert (output / rel).read_bytes() == data, rel
        assert kept.extras == frozenset(cold)

    files_equal(state)
    memo = state.exports
    filled = memo.computed
    assert filled > 3 * len(state.corpus.cmocs)
    rng = random.Random(3)
    for name in ("outcome", "quote", "context"):
        path = rng.choice(sorted((content / "cmocs").glob("*.md")))
        path.write_text(CMOC_EDITS[name](path.read_text(encoding="utf-8"), rng), encoding="utf-8")
        state = rebuild(state, Changes(content=frozenset({path.relative_to(content).as_posix()})), extras=False).state
        assert state.exports is memo
        before = memo.computed
        files_equal(state)
        assert memo.computed - before == 3  # its record, its CSV row, its rows of the review sheet
    for name in ("title", "status", "direction", "relation"):  # a CMOC's own fragments only: no other reads them
        path = rng.choice(sorted((content / "cmocs").glob("*.md")))
        text = path.read_text(encoding="utf-8")
        edited = CMOC_EDITS[name](text, rng)
        path.write_text(edited, encoding="utf-8")
        state = rebuild(state, Changes(content=frozenset({path.relative_to(content).as_posix()})), extras=False).state
        assert state.exports is memo, name
        before = memo.computed
        files_equal(state)
        assert memo.computed - before == (3 if edited != text else 0), name
    path = sorted((content / "papers").glob("*.md"))[0]
    path.write_text(PAPER_EDITS["title"](path.read_text(encoding="utf-8"), rng), encoding="utf-8")
    state = rebuild(state, Changes(content=frozenset({path.relative_to(content).as_posix()})), extras=False).state
    assert state.exports is not memo and state.exports.computed == 0  # a paper's title: shown in maps' rows
    files_equal(state)


def test_text_edit_skips_pages_that_only_count_it_and_renders_those_that_name_it(synthetic, tmp_path):
    """A page that reached a CMOC only through the ``evidence`` helper (the theory index counts its
    theories' CMOCs) is not rendered again after a text edit of the CMOC (``dev.recording``). An
    untitled CMOC is named by its outcome: editing it renders the page whose [[link]] shows it
    again (and its own page's title), as a full build would have them."""
    content = tmp_path / "content"
    shutil.copytree(synthetic / "pristine", content)
    theory, cmoc_id = next((t, m[1]) for t in sorted((content / "theories").glob("*.md"))
                           if (m := re.search(r"\[\[(cmoc-\d+)\]\]", t.read_text(encoding="utf-8"))))
    untitled = content / "cmocs" / f"{cmoc_id}.md"
    untitled.write_text(re.sub(r"^title: .*\n", "", untitled.read_text(encoding="utf-8"), count=1, flags=re.M),
                        encoding="utf-8")
    titled = next(f for f in sorted((content / "cmocs").glob("*.md")) if f != untitled)
    options = BuildOptions(content=content, output=tmp_path / "site", search=False)
    state = full_build(options).state
    assert state is not None
    theory_url = next(t.page_url for t in state.corpus.theories if t.rel == theory.relative_to(content).as_posix())
    for k, path in enumerate([titled, untitled, titled]):
        path.write_text(path.read_text(encoding="utf-8").replace("\noutcome: '", f"\noutcome: 'Now {k} ", 1),
                        encoding="utf-8")
        cmoc = state.entities[path.relative_to(content).as_posix()]
        assert cmoc.id.lower() in state.counted["theories/"]
        outcome = rebuild(state, Changes(content=frozenset({cmoc.rel})))
        assert outcome.state is not None and outcome.relinked
        state = outcome.state
        if path == titled:
            assert outcome.proportional and not outcome.structural and "theories/" not in outcome.rendered
        else:
            assert f"Now {k}" in (options.output / theory_url / "index.html").read_text(encoding="utf-8")
        assert tree_diff(options.output, full_reference(content, tmp_path)) == []


def test_backlink_lookups_kept_between_rebuilds_hold_the_current_objects(synthetic, tmp_path):
    """serve keeps the renders' backlink look-ups (``dependencies.kept_rels``): after every edit,
    each kept look-up holds the very objects of the new corpus (those of an edited entity dropped),
    and none is kept over a full re-link."""
    content = tmp_path / "content"
    shutil.copytree(synthetic / "pristine", content)
    state = full_build(BuildOptions(content=content, output=tmp_path / "site", search=False)).state
    assert state is not None
    rng = random.Random(5)
    files = sorted((content / "cmocs").glob("*.md"))
    for name in ("outcome", "title", "status", "outcome", "relation", "title"):
        path = rng.choice(files)
        path.write_text(CMOC_EDITS[name](path.read_text(encoding="utf-8"), rng), encoding="utf-8")
        outcome = rebuild(state, Changes(content=frozenset({path.relative_to(content).as_posix()})), extras=False)
        assert outcome.state is not None
        state = outcome.state
        assert state.rels or not outcome.relinked
        for (_index, _key), (found, _ids) in state.rels.items():
            assert all(state.corpus.by_id[e.id.lower()] is e for e in found), name


def test_records_substitute_skips_hold_only_text_and_numbers():
    """``delta.PLAIN_RECORDS`` are not entered when an edit swaps entities into the specs: each field
    of theirs is declared as text, a number, or another plain record (ids, never the objects)."""
    import dataclasses
    import typing
    from evidence_explorer.dev import delta
    plain = {"str", "int", "int | None", "tuple[str, ...]", *(c.__name__ for c in delta.PLAIN_RECORDS)}
    for cls in delta.PLAIN_RECORDS:
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            shown = hints[f.name]
            name = getattr(shown, "__name__", None) if isinstance(shown, type) else str(shown).replace("typing.", "")
            assert name in plain, f"{cls.__name__}.{f.name}: {hints[f.name]}"
