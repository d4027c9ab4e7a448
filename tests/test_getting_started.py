"""Starting an evidence base from nothing: ``init``, its CI workflows run as written, the install (the
README's commands run as written; a wheel carries every template, static and starter file),
``--jobs``' default, the content-format tables, list fields given as one comma-separated text, and a
favicon on every page."""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, run_cli
from evidence_explorer import cli
from evidence_explorer.commands.build import build_options
from evidence_explorer.speed.parallel import usable_cores

BIN = Path(sys.executable).parent


def _shell(command: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **(env or {})}
    return subprocess.run(command, shell=True, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def starter(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("init") / "my-review"
    run = _shell(f"evidence-explorer init {shlex.quote(str(target))}", cwd=target.parent)
    assert run.returncode == 0, run.stderr
    assert "evidence-explorer serve" in run.stderr
    return target


def test_init_builds_strict_at_once(starter, tmp_path):
    run = _shell(f"evidence-explorer build --strict --no-search --content content --output {tmp_path / 'site'}",
                 cwd=starter)
    assert run.returncode == 0, run.stderr
    assert "warning" not in run.stderr and "error" not in run.stderr
    kinds = {p.parent.name for p in (starter / "content").glob("*/*.md")}
    assert kinds == {"reviews", "questions", "theories", "maps", "papers", "cmocs", "pages"}
    ignored = (starter / ".gitignore").read_text().split()
    assert "/site/" in ignored and "/.cache/" in ignored
    hooks = yaml.safe_load((starter / ".pre-commit-config.yaml").read_text())
    assert "check --strict" in hooks["repos"][0]["hooks"][0]["entry"]


def test_building_the_folder_init_made_names_its_content_folder(starter, tmp_path):
    """``init my-review`` puts the content in my-review/content; ``build --content my-review``
    (a walkthrough tried it) said only that site.yaml was missing: it now names the folder to give."""
    run = _shell(f"evidence-explorer build --no-search --content my-review --output {tmp_path / 'site'}",
                 cwd=starter.parent)
    assert run.returncode != 0
    assert ("site.yaml not found: every content directory needs one ('my-review/content' has one: "
            "`init` puts the content there; build with --content my-review/content)") in run.stderr, run.stderr
    assert not (tmp_path / "site").exists()


def test_init_never_overwrites(starter):
    before = {p: p.read_bytes() for p in starter.rglob("*") if p.is_file()}
    run = run_cli("init", str(starter))
    assert run.code == 2 and "never overwrites" in run.err
    assert before == {p: p.read_bytes() for p in starter.rglob("*") if p.is_file()}


def test_a_first_paper_added_like_the_examples_is_told_what_else_to_update(starter, tmp_path):
    """A new user's first edit, a paper with ``review: example-review`` as the examples have, made the
    CI's ``--strict`` build fail on the starter review's PRISMA count with no word on what to change.
    The count is right to warn (the review would publish "Included: 2" above three papers), so the
    warning names the line and what to update, the review file says so beside its flow, ``init``
    points to the README, and doing what the README says makes ``check --strict`` pass."""
    work = tmp_path / "repo"
    shutil.copytree(starter, work)
    first = (work / "content/papers/example-2025.md").read_text(encoding="utf-8")
    (work / "content/papers/smith-2021.md").write_text(
        first.replace("A second example study", "My first included study"), encoding="utf-8")
    run = _shell("evidence-explorer check --strict", cwd=work)
    assert run.returncode == 1
    review = work / "content/reviews/example-review.md"
    line = next(n for n, text in enumerate(review.read_text(encoding="utf-8").splitlines(), 1)
                if "stage: Included" in text)
    where = f"content/reviews/example-review.md:{line}"
    warning = (f"{where}: warning: flow stage 'Included' reports 2 but 3 included papers name this review "
               f"(update this count, or the 'review' field of the papers) [integrity.flow-count]")
    assert warning in run.stderr.splitlines(), run.stderr
    orphan = ("content/papers/smith-2021.md: warning: paper is not cited by any CMOC or map, nor coded to a "
              "theory [link.orphan]")
    assert orphan in run.stderr.splitlines(), run.stderr
    assert "update that count, or `check` warns" in review.read_text(encoding="utf-8")  # beside the flow
    readme = " ".join((work / "README.md").read_text(encoding="utf-8").split())
    assert "## Adding a paper" in (work / "README.md").read_text(encoding="utf-8")
    assert f"update the count of the `Included` stage of `flow`" in readme and f"`{where}: warning:" in readme
    assert "paper is not cited by any CMOC or map, nor coded to a theory" in readme
    # what the README says: the count, and the paper used (here listed in the map's row)
    review.write_text(review.read_text(encoding="utf-8").replace("{stage: Included, count: 2}",
                                                                 "{stage: Included, count: 3}"), encoding="utf-8")
    themap = work / "content/maps/map-T1.md"
    themap.write_text(themap.read_text(encoding="utf-8").replace("papers: [example-2024, example-2025]",
                                                                 "papers: [example-2024, example-2025, smith-2021]"),
                      encoding="utf-8")
    run = _shell("evidence-explorer check --strict", cwd=work)
    assert run.returncode == 0, run.stderr


def test_init_says_where_to_read_about_adding_papers(tmp_path):
    run = _shell(f"evidence-explorer init {shlex.quote(str(tmp_path / 'base'))}", cwd=tmp_path)
    assert run.returncode == 0
    assert "Adding your own papers: README.md says what else to update" in run.stderr, run.stderr


def test_the_starter_settings_commented_out_are_valid_when_uncommented(starter, tmp_path):
    """Every setting site.yaml shows commented out is accepted once uncommented: its integrity example
    named a check that does not exist ('single-source'), refused as an unknown key."""
    work = tmp_path / "repo"
    shutil.copytree(starter, work)
    settings = work / "content/site.yaml"
    text = settings.read_text(encoding="utf-8")
    uncommented = re.sub(r"(?m)^# ( *[a-z_-]+:(?: |$))", r"\1", text)
    assert uncommented.count("\n#") < text.count("\n#") - 10 and "integrity:" in uncommented
    settings.write_text(uncommented, encoding="utf-8")
    run = _shell("evidence-explorer check --strict", cwd=work)
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("direct, line, local", [
    (None, "evidence-explorer==", None),  # from a package index
    ({"url": "file:///home/me/evidence-explorer", "dir_info": {"editable": True}}, "evidence-explorer==",
     "file:///home/me/evidence-explorer"),
    ({"url": "https://github.com/o/evidence-explorer.git", "vcs_info": {"vcs": "git", "commit_id": "abc123"}},
     "evidence-explorer @ git+https://github.com/o/evidence-explorer.git@abc123", None),
    ({"url": "https://example.org/evidence_explorer-0.1.0-py3-none-any.whl", "archive_info": {}},
     "evidence-explorer @ https://example.org/evidence_explorer-0.1.0-py3-none-any.whl", None),
])
def test_init_pins_where_this_copy_came_from_and_says_when_ci_cannot_reach_it(tmp_path, monkeypatch, direct, line,
                                                                               local):
    """``requirements.txt`` names where this copy was installed from; a copy installed from a folder on
    this machine gets the version (pip finds it only once published), and ``init`` says so, even
    with ``--quiet``."""
    from evidence_explorer.commands import init as init_command
    monkeypatch.setattr(init_command, "installed_from", lambda: direct)
    run = run_cli("init", str(tmp_path / "base"), "--quiet")
    assert run.code == 0, run.err
    written = (tmp_path / "base" / "requirements.txt").read_text().splitlines()[-1]
    assert written.startswith(line), written
    if local:
        assert f"installed from a folder on this machine ({local})" in run.err and "git URL" in run.err, run.err
    else:
        assert run.err == "", run.err


def _commands(script_lines: list[str]) -> list[str]:
    """The commands a CI job runs, less installing the tool (the test runs this checkout's)."""
    return [line for line in script_lines if not line.startswith("pip install")]


def test_github_pages_workflow_builds(starter, tmp_path):
    workflow = yaml.safe_load((starter / ".github/workflows/pages.yml").read_text())
    steps = workflow["jobs"]["build"]["steps"]
    assert any(step.get("uses", "").startswith("actions/deploy-pages") for step in workflow["jobs"]["deploy"]["steps"])
    upload = next(step for step in steps if step.get("uses", "").startswith("actions/upload-pages-artifact"))
    runs = _commands([step["run"] for step in steps if "run" in step])
    assert runs and any("evidence-explorer build" in r for r in runs)
    work = tmp_path / "repo"
    subprocess.run(["cp", "-r", str(starter), str(work)], check=True)
    for command in runs:  # configure-pages gives base_path "/REPOSITORY" for a project site
        command = command.replace("${{ steps.pages.outputs.base_path }}", "/my-review")
        run = _shell(command + " --no-search", cwd=work)
        assert run.returncode == 0, (command, run.stderr)
    site = work / upload["with"]["path"]
    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="/my-review/static/style.css"' in home


def test_gitlab_pages_job_builds(starter, tmp_path):
    job = yaml.safe_load((starter / ".gitlab-ci.yml").read_text())["pages"]
    work = tmp_path / "repo"
    subprocess.run(["cp", "-r", str(starter), str(work)], check=True)
    for command in _commands(job["script"]):
        run = _shell(command + " --no-search", cwd=work,
                     env={"CI_PAGES_URL": "https://group.gitlab.io/my-review"})
        assert run.returncode == 0, (command, run.stderr)
    home = (work / job["artifacts"]["paths"][0] / "index.html").read_text(encoding="utf-8")
    assert 'href="/my-review/static/style.css"' in home


def test_new_points_to_init_without_an_evidence_base(tmp_path):
    run = run_cli("new", "paper", "p1", "--content", str(tmp_path / "missing"))
    assert run.code == 2 and "init" in run.err


def test_scaffold_examples_parse_when_uncommented(tmp_path):
    content = tmp_path / "content"
    assert run_cli("init", str(tmp_path / "base")).code == 0
    content = tmp_path / "base" / "content"
    for kind in ("paper", "cmoc", "theory", "map", "review", "question", "page"):
        assert run_cli("new", kind, f"x-{kind}", "--content", str(content), "-q").code == 0
    for path in content.glob("*/x-*.md"):
        text = path.read_text(encoding="utf-8").split("---\n")[1]
        uncommented = re.sub(r"^  # {3}", "  ", text, flags=re.M)  # "  #   - paper: ID" → "    - paper: ID"
        assert uncommented != text or "for example" not in text
        yaml.safe_load(uncommented)  # raises on the error authors used to get


def test_jobs_defaults_to_the_usable_cores():
    args = cli.parser().parse_args(["build"])
    assert args.jobs is None
    assert build_options(args).jobs == usable_cores() >= 1
    assert build_options(cli.parser().parse_args(["build", "--jobs", "1"])).jobs == 1
    assert run_cli("build", "--jobs", "0").code == 2


def test_content_format_tables_keep_their_columns():
    doc = (ROOT / "docs" / "content-format.md").read_text(encoding="utf-8")
    columns = None
    for line in doc.splitlines():
        if not line.startswith("|"):
            columns = None
            continue
        cells = len(re.findall(r"(?<!\\)\|", line)) - 1
        columns = columns or cells
        assert cells == columns, line


def test_a_comma_separated_text_is_not_one_author(make_site):
    content = make_site({"papers/p1.md": """
        ---
        title: A study
        authors: Bertotti M, Frostick C
        year: 2019
        country: England; Wales
        setting:
          - "Primary care, urban"
        ---
        """})
    run = run_cli("check", "--content", "content", cwd=content.parent)
    assert run.code == 1
    assert any(line.startswith("content/papers/p1.md:3: error: 'authors' is one text") for line in run.lines), run.err
    assert any(line.startswith("content/papers/p1.md:5: error: 'country' is one text") for line in run.lines), run.err
    assert "'setting'" not in run.err  # a list of one item may hold a comma


def test_every_page_has_a_favicon(minimal_site):
    assert (minimal_site / "static" / "favicon.svg").is_file()
    for page in minimal_site.rglob("*.html"):
        assert 'rel="icon"' in page.read_text(encoding="utf-8"), page


def _source_copy(tmp_path: Path) -> Path:
    """What an install reads from a clone, copied, so that building it leaves nothing in the checkout."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "evidence_explorer", source / "evidence_explorer",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return source


def _readme_install() -> tuple[str, list[str]]:
    """The README's install advice: its text up to the first command block, and that block's lines."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Install, start, publish", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the README shows how to install"
    lines = [line.split("#", 1)[0].strip() for line in block.group(1).splitlines()]
    return section, [line for line in lines if line]


def test_the_readme_install_needs_only_python():
    """The install the README gives first uses nothing but Python (pipx is not on a fresh machine, and
    Debian's and Ubuntu's own Python refuse a plain ``pip install``: PEP 668); where pipx is offered,
    it says how to get it."""
    section, commands = _readme_install()
    assert commands[0].startswith("python3 -m venv "), commands
    assert not any(c.split()[0] in ("pipx", "pip", "pip3") for c in commands), commands
    for paragraph in section.split("\n\n"):
        if "pipx install" in paragraph:
            assert "apt-get install pipx" in paragraph and "pipx ensurepath" in paragraph, paragraph


def test_the_readme_install_runs_as_written(tmp_path):
    """The README's install commands, run as written in a new home folder (from a copy of the source;
    ``--no-deps``: the dependencies are this environment's business, the commands and paths are the
    README's), leave ``evidence-explorer`` on the PATH."""
    _section, commands = _readme_install()
    home = tmp_path / "home"
    home.mkdir()
    script = " && ".join(c + " --no-deps" if c.endswith("pip install .") else c for c in commands)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "HOME": str(home),
           "PIP_QUIET": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    run = subprocess.run(["bash", "-c", f"{script} && command -v evidence-explorer"], cwd=_source_copy(tmp_path),
                         env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert Path(run.stdout.split()[-1]).parent.parent.parent == home, run.stdout


def test_wheel_carries_every_package_file(tmp_path):
    source = _source_copy(tmp_path)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=300)
    wheel = next(tmp_path.glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    package = ROOT / "evidence_explorer"
    wanted = {p.relative_to(ROOT).as_posix() for p in package.rglob("*")
              if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
    assert wanted - names == set()


def _words(path: Path) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", "", path.read_text(encoding="utf-8"), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", page).replace("&#39;", "'").split())


@pytest.fixture(scope="module")
def starter_site(starter, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("starter-site") / "site"
    run = run_cli("build", "--no-search", "--quiet", "--content", str(starter / "content"), "--output", str(out))
    assert run.code == 0, run.err
    return out


def test_counts_of_one_are_singular_in_a_fresh_base(starter_site):
    """A base fresh from ``init`` has one configuration, one evidence map, one gap matrix, one
    question and one review: the site said "All 1 configurations (CMOCs)" (what works), "1
    configurations (CMOCs) ... and 1 evidence maps" (/data/), "1 configurations (CMOCs), each" (/cmocs/),
    "1 evidence maps", "1 reviews" (home), "1 related links" (the graph's description) and "1 cells
    with evidence" (a gap matrix). Each now agrees with its number."""
    pages = {p: _words(starter_site / p / "index.html") for p in ("", "data", "cmocs", "what-works", "graph")}
    pages["matrix"] = _words(next((starter_site / "matrix").glob("*/index.html")))
    plural_after_one = re.compile(r"(?<![\d.,])\b1 (configurations|evidence maps|gap matrices|review questions|"
                                  r"reviews|theory nodes|papers|related links|part-of links|layers|cells|gaps|rows)\b|All 1\b")
    for name, words in pages.items():
        assert not plural_after_one.search(words), (name, plural_after_one.search(words).group(0))
    assert "The evidence base has one configuration (CMOC). Its row shows in which" in pages["what-works"]
    assert "Confidence is not assessed for it." in pages["what-works"]
    assert "1 configuration (CMOC), saying in which" in pages["cmocs"]
    assert re.search(r"\d+ papers?, 1 configuration \(CMOC\), \d+ theory nodes? and 1 evidence map\.", pages["data"])
    assert "1 configuration (CMOC) " in pages[""] and "1 evidence map " in pages[""] and "1 review " in pages[""]


@pytest.mark.browser
def test_what_works_counts_one_configuration_shown(starter_site, page):
    """what-works.js said "1 configurations shown" in a fresh base."""
    from browser import serve_directory
    with serve_directory(starter_site) as url:
        page.goto(f"{url}/what-works/")
        page.wait_for_function("() => document.getElementById('ww-status').textContent !== ''")
        assert page.locator("#ww-status").inner_text() == "1 configuration shown"


SCALE_NOTE = "is the reviewers' own judgement"


def test_home_explains_the_confidence_scale_only_when_something_records_a_confidence(starter, tmp_path):
    """A fresh ``init`` base records no confidence: its home page does not explain a scale nothing
    uses. Once a theory records one, the note (with the scale's levels) is there."""
    content = tmp_path / "content"
    shutil.copytree(starter / "content", content)
    run = _shell(f"evidence-explorer build --no-search --content content --output {tmp_path / 'a'}", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    home = (tmp_path / "a" / "index.html").read_text(encoding="utf-8")
    assert "What the evidence shows" in home and "own judgement" not in home
    theory = content / "theories" / "T1.md"
    theory.write_text(theory.read_text(encoding="utf-8").replace(
        "status: reviewed\n", "status: reviewed\nconfidence:\n  level: moderate\n  rationale: Two small studies.\n", 1),
        encoding="utf-8")
    run = _shell(f"evidence-explorer build --no-search --content content --output {tmp_path / 'b'}", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    home = (tmp_path / "b" / "index.html").read_text(encoding="utf-8")
    assert SCALE_NOTE in home and "moderate, low" in home
