"""Files a build reads back from earlier builds never run code and never change a site (issue 14 item 2).

Every cache file (compiled templates, the Markdown cache, the up-to-date manifest) is sealed with a key
kept outside the repository (``seal.py``). Planted files (as a committed ``.cache/`` would bring),
files sealed with another key, truncated, corrupted or non-regular ones are ignored: the build is cold,
exits 0 and writes the same site as ``--no-cache``; planted compiled code never runs.
"""
from __future__ import annotations

import io
import json
import marshal
import os
import secrets
import subprocess
import sys
import hashlib
import hmac
from pathlib import Path

import jinja2
import pytest

from evidence_explorer.speed import seal
from evidence_explorer.speed.cache import CACHE_FILE, TemplateCache, cache_root, code_fingerprint
from evidence_explorer.site.environment import TEMPLATES_DIR, make_environment
from evidence_explorer.speed.uptodate import MANIFEST

from conftest import ROOT, SITES, run_cli
from test_differential import assert_same_site

MINIMAL = SITES / "minimal"


@pytest.fixture(autouse=True)
def own_key(tmp_path, monkeypatch):
    """A cache key of this test's own (the user's real one is left alone)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    seal.secret.cache_clear()
    yield
    seal.secret.cache_clear()


def build(output: Path, *args: str) -> None:
    run = run_cli("build", "--content", str(MINIMAL), "--output", str(output), "--no-search", "--quiet", *args)
    assert run.code == 0, run.err


def cache_dir(output: Path) -> Path:
    return cache_root(output.resolve()) / code_fingerprint()


def cold(tmp_path: Path) -> Path:
    out = tmp_path / "cold" / "site"
    build(out, "--no-cache")
    return out


def forged(payload: bytes, purpose: str) -> bytes:
    """Sealed the way ``seal.py`` seals, but with an attacker's key."""
    tag = hmac.new(secrets.token_bytes(32), purpose.encode() + b"\0" + payload, hashlib.sha256).digest()
    return seal.MAGIC + tag + payload


def planted_bucket(name: str, marker: Path) -> tuple[str, bytes]:
    """Jinja's bytecode for template ``name`` (right key, right source checksum) whose code writes ``marker``."""
    env = make_environment()
    source, filename, _ = env.loader.get_source(env, name)
    cache = TemplateCache(Path("."))
    bucket = jinja2.bccache.Bucket(env, cache.bucket_key(env, name, filename), cache.get_source_checksum(source))
    bucket.code = compile(f"open({str(marker)!r}, 'w').write('pwned')", "<planted>", "exec")
    out = io.BytesIO()
    bucket.write_bytecode(out)
    return bucket.key, out.getvalue()


@pytest.mark.parametrize("how", ["raw", "foreign-key", "jinja-default-name"])
def test_planted_compiled_template_never_runs(tmp_path, how):
    """A committed ``.cache/`` with compiled templates whose code writes a file: the real command
    ignores them (exit 0, the site of a cold build) and the code never runs."""
    marker = tmp_path / "pwned"
    output = tmp_path / "repo" / "site"
    folder = cache_dir(output) / "jinja"
    folder.mkdir(parents=True)
    for name in make_environment().list_templates():
        key, data = planted_bucket(name, marker)
        if how == "raw":
            (folder / f"{key}.bin").write_bytes(data)
        elif how == "foreign-key":
            (folder / f"{key}.bin").write_bytes(forged(data, f"jinja:{key}"))
        else:
            (folder / f"__jinja2_{key}.cache").write_bytes(data)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "user-cache"), "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "--content", str(MINIMAL), "--output",
                           str(output), "--no-search", "--quiet"], capture_output=True, text=True, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert not marker.exists()
    assert_same_site(output, cold(tmp_path), how)


def test_own_compiled_templates_are_reused(tmp_path, monkeypatch):
    """The cache still works for the user's own builds: the second build compiles no template."""
    build(tmp_path / "site")
    compiled: list[str] = []
    real = jinja2.Environment.compile

    def counting(self, source, name=None, *args, **kwargs):
        compiled.append(name)
        return real(self, source, name, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    build(tmp_path / "site2")  # another output: not up to date, a full build with warm caches
    assert compiled == []
    assert_same_site(tmp_path / "site2", cold(tmp_path), "warm")


def test_planted_markdown_entries_are_ignored(tmp_path):
    """The Markdown cache's own keys, mapped to a script: unsealed or sealed with another key, ignored."""
    output = tmp_path / "site"
    build(output)
    path = cache_dir(output) / CACHE_FILE
    payload = seal.read(path, CACHE_FILE)
    assert payload is not None
    entries = {k: "<script>window.__pwned=1</script>" for k in json.loads(payload)}
    evil = json.dumps(entries).encode()
    reference = cold(tmp_path)
    for blob in (evil, forged(evil, CACHE_FILE)):
        path.write_bytes(blob)
        build(tmp_path / "other")
        assert_same_site(tmp_path / "other", reference, "planted markdown")
        assert "__pwned" not in "".join(p.read_text(errors="replace") for p in (tmp_path / "other").rglob("*.html"))


def test_planted_manifest_cannot_claim_up_to_date(tmp_path):
    """A manifest that matches the tampered output exactly, but is not sealed with the user's key:
    the build is a full one and restores the page (with the key it would be believed: the control)."""
    output = tmp_path / "site"
    build(output)
    path = cache_dir(output) / MANIFEST
    data = json.loads(seal.read(path, MANIFEST))
    (output / "index.html").write_text("defaced", encoding="utf-8")
    from evidence_explorer.speed.uptodate import sign_output
    data["output"] = json.dumps({rel: list(stat) for rel, stat in sign_output(output.resolve()).items()})
    payload = json.dumps(data).encode()
    for blob in (payload, forged(payload, MANIFEST)):
        path.write_bytes(blob)
        build(output)
        assert (output / "index.html").read_text(encoding="utf-8") != "defaced"
        (output / "index.html").write_text("defaced", encoding="utf-8")
        data["output"] = json.dumps({rel: list(stat) for rel, stat in sign_output(output.resolve()).items()})
        payload = json.dumps(data).encode()
    seal.write(path, MANIFEST, payload)  # the control: sealed with the key, the build believes it
    run = run_cli("build", "--content", str(MINIMAL), "--output", str(output), "--no-search")
    assert run.code == 0 and "up to date" in run.err
    assert (output / "index.html").read_text(encoding="utf-8") == "defaced"


CORRUPTIONS = {
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
    "one-byte-flipped": lambda p: p.write_bytes(p.read_bytes()[:-1] + bytes([p.read_bytes()[-1] ^ 1])),
    "empty": lambda p: p.write_bytes(b""),
    "random": lambda p: p.write_bytes(secrets.token_bytes(4096)),
    "marshal-code": lambda p: p.write_bytes(marshal.dumps(compile("1", "x", "exec"))),
    "folder": lambda p: (p.unlink(), p.mkdir()),
    "fifo": lambda p: (p.unlink(), os.mkfifo(p)),
    "symlink-to-dev-zero": lambda p: (p.unlink(), p.symlink_to("/dev/zero")),
}


@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_corrupted_cache_files_mean_a_cold_build(tmp_path, corruption):
    output = tmp_path / "site"
    build(output)
    folder = cache_dir(output)
    files = [folder / CACHE_FILE, folder / MANIFEST, *sorted((folder / "jinja").iterdir())[:3]]
    for path in files:
        CORRUPTIONS[corruption](path)
    build(tmp_path / "other")
    build(output)  # the same output: the manifest is not believed either
    reference = cold(tmp_path)
    assert_same_site(tmp_path / "other", reference, corruption)
    assert_same_site(output, reference, corruption)


def test_without_a_key_builds_are_cold_and_correct(tmp_path, monkeypatch):
    """No usable key (the user cache folder cannot be made): nothing is cached or read back."""
    (tmp_path / "not-a-folder").write_text("x", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "not-a-folder"))
    seal.secret.cache_clear()
    output = tmp_path / "site"
    build(output, "--base-url", "/a/")
    build(tmp_path / "site2", "--base-url", "/b/")
    assert not list((cache_dir(output)).glob("*.json"))
    assert "/b/static/" in (tmp_path / "site2" / "index.html").read_text(encoding="utf-8")


def test_key_file_is_private_and_stable(tmp_path):
    key = seal.secret()
    assert key is not None and len(key) == seal.KEY_BYTES
    assert seal.key_path().stat().st_mode & 0o077 == 0
    seal.secret.cache_clear()
    assert seal.secret() == key
    assert seal.unseal("a", seal.seal("b", b"data")) is None  # bound to its purpose
    assert seal.unseal("a", seal.seal("a", b"data")) == b"data"
    assert TEMPLATES_DIR.is_dir()


def test_a_mapped_payload_verifies_as_a_read_one_and_outlives_a_replaced_file(tmp_path):
    """``seal.mapped`` (the snapshot's fragments, mapped rather than read) gives what ``read``
    gives, refuses what ``read`` refuses, and keeps the bytes it mapped when a later build replaces
    the file (``write_atomic``: a rename)."""
    path = tmp_path / "big.bin"
    payload = secrets.token_bytes(300_000)
    assert seal.write(path, "big", payload)
    view = seal.mapped(path, "big")
    assert view is not None and bytes(view) == payload == seal.read(path, "big")
    assert seal.mapped(path, "other") is None  # bound to its purpose
    assert seal.write(path, "big", b"the next build's")  # replaced while the view is held
    assert bytes(view) == payload and bytes(seal.mapped(path, "big")) == b"the next build's"
    blob = bytearray(path.read_bytes())
    blob[-1] ^= 1
    path.write_bytes(bytes(blob))
    assert seal.mapped(path, "big") is None and seal.read(path, "big") is None  # corrupted
    for bad in (b"", seal.MAGIC):  # empty (mmap refuses), shorter than a head
        path.write_bytes(bad)
        assert seal.mapped(path, "big") is None
    (tmp_path / "dir.bin").mkdir()
    assert seal.mapped(tmp_path / "dir.bin", "big") is None and seal.mapped(tmp_path / "none", "big") is None
    path.write_bytes(seal.seal("big", payload))
    assert seal.mapped(path, "big", limit=1000) is None  # over the limit

