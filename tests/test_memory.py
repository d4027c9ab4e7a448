"""Memory measures of the build (peak memory budget, docs/performance.md): their correctness only.

How much they save is measured in ``benchmarks/``; here: they run, in the right place, and change
no output."""
from __future__ import annotations

import sys

import pytest

from evidence_explorer import pipeline
from evidence_explorer.pipeline import BuildOptions, build


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_release_free_memory_trims_the_c_heap_on_linux():
    import platform
    if platform.libc_ver()[0] != "glibc":
        pytest.skip("not glibc")
    assert pipeline.release_free_memory() is True


def test_free_memory_is_released_after_the_exports_and_before_the_render(make_site, tmp_path, monkeypatch):
    content = make_site({"papers/p1.md": "---\ntitle: A study\nauthors: [Doe J]\nyear: 2020\n---\nBody.\n"})
    events: list[str] = []
    real_release, real_render = pipeline.release_free_memory, pipeline.render_pages

    def release():
        events.append("release")
        return real_release()

    def render(*args, **kwargs):
        events.append("render")
        return real_render(*args, **kwargs)

    def staging(*args, **kwargs):
        events.append("exports written")
        return real_staging(*args, **kwargs)

    real_staging = pipeline._write_staging
    monkeypatch.setattr(pipeline, "release_free_memory", release)
    monkeypatch.setattr(pipeline, "render_pages", render)
    monkeypatch.setattr(pipeline, "_write_staging", staging)
    assert build(BuildOptions(content=content, output=tmp_path / "site", search=False)).written
    assert events == ["exports written", "release", "render"]
