"""The ``init`` command: a new evidence base that builds and passes ``check --strict`` at once.

It copies ``starter/`` (package data: a commented ``site.yaml``, one linked example of each kind,
a ``.gitignore``, a pre-commit configuration and CI workflows for GitHub and GitLab Pages) into a
new or empty folder. Names starting ``dot-`` in ``starter/`` become dot files (package data
tools skip real dot files). It never overwrites: a folder with anything in it is refused.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .. import __version__

STARTER = Path(__file__).parent / "starter"
HELP = "start a new evidence base in DIR: settings, an example of each kind, git and CI files (never overwrites)"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help=HELP, description=HELP)
    p.add_argument("dir", metavar="DIR", help="a new or empty folder")
    p.add_argument("--title", default="Example evidence base", help="the site's title (default: %(default)s)")
    p.add_argument("--quiet", "-q", action="store_true", help="print only problems")


def starter_files() -> dict[str, str]:
    """Relative path in the new evidence base → its text, before substitution."""
    files = {}
    for path in sorted(STARTER.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            rel = "/".join(part.replace("dot-", ".", 1) if part.startswith("dot-") else part
                           for part in path.relative_to(STARTER).parts)
            files[rel] = path.read_text(encoding="utf-8")
    return files


def installed_from() -> dict | None:
    """This copy's ``direct_url.json`` (PEP 610: where pip installed it from), None from an index."""
    from importlib import metadata  # (here: 28 ms of imports that no other command needs)
    try:
        return json.loads(metadata.distribution("evidence-explorer").read_text("direct_url.json") or "null")
    except (metadata.PackageNotFoundError, ValueError):
        return None


def requirement(direct: dict | None) -> tuple[str, str | None]:
    """A pip requirement for the Evidence Explorer installed from ``direct`` (:func:`installed_from`),
    as CI can install it, and the folder it came from when that is a folder on this machine (the
    requirement is then the version, which pip finds only once it is published)."""
    url = (direct or {}).get("url", "")
    vcs = (direct or {}).get("vcs_info")
    if vcs and not url.startswith("file:"):
        commit = vcs.get("commit_id")
        return f"evidence-explorer @ {vcs['vcs']}+{url}" + (f"@{commit}" if commit else ""), None
    if url.startswith(("https://", "http://")):
        return f"evidence-explorer @ {url}", None
    return f"evidence-explorer=={__version__}", url if url.startswith("file:") else None


def init(target: Path, title: str, pip_line: str) -> list[str]:
    """Write the starter into ``target`` (``pip_line``: the requirement the CI workflows install);
    return the files written. Raises FileExistsError."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise FileExistsError(target)
    values = {"{requirement}": pip_line, "{title}": title}
    written = []
    for rel, text in starter_files().items():
        for key, value in values.items():
            text = text.replace(key, value)
        if rel == "content/site.yaml":
            text = text.replace("title: Example evidence base", f"title: {json.dumps(title)}", 1)
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        written.append(rel)
    return written


def cmd_init(args: argparse.Namespace) -> int:
    target = Path(args.dir)
    pip_line, local = requirement(installed_from())
    try:
        written = init(target, args.title, pip_line)
    except FileExistsError:
        print(f"error: {target} exists and is not an empty folder; init never overwrites "
              f"(choose a new folder)", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if not args.quiet:
        print(f"wrote {len(written)} files into {target}. Next:\n"
              f"  cd {target}\n"
              f"  evidence-explorer serve              # preview, rebuilt as you edit content/\n"
              f"  git init && git add . && git commit -m 'Start the evidence base'\n"
              f"Adding your own papers: README.md says what else to update so that `check --strict` "
              f"(run by the CI) passes\n"
              f"Publishing: push to GitHub (.github/workflows/pages.yml) or GitLab (.gitlab-ci.yml); "
              f"see docs/deploy.md of Evidence Explorer", file=sys.stderr)
    if local:  # a problem, so said even with --quiet
        print(f"note: requirements.txt pins {pip_line}, but this copy was installed from a folder on this "
              f"machine ({local}), which CI cannot reach: until that version is published, replace the line "
              f"with a git URL of the tool's repository (see docs/deploy.md)", file=sys.stderr)
    return 0
