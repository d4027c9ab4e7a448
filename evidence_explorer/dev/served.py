"""Writing into the folder ``serve`` serves: only the files whose bytes changed, each atomically, so
a browser never reads half a page; pages that are gone removed with the folders they leave empty."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

from ..content import urls
from ..content.files import write_atomic
from ..site.static_files import static_outputs


def write_if_changed(output: Path, rel: str, text: str | bytes) -> bool:
    """Write ``output/rel`` (atomically) unless it holds these bytes already (``text`` as UTF-8,
    or bytes already: an export that is large); whether it wrote."""
    path = output / rel
    data = as_bytes(text)
    if holds(path, data):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, data)
    return True


def as_bytes(text: str | bytes) -> bytes:
    return text if isinstance(text, bytes) else text.encode("utf-8")


def holds(path: Path, data: bytes) -> bool:
    """Whether the file at ``path`` holds ``data`` (False when it cannot be read)."""
    try:
        return path.read_bytes() == data
    except OSError:
        return False


def remove_file(output: Path, rel: str) -> None:
    """Remove ``output/rel`` and the folders it leaves empty."""
    path = output / rel
    path.unlink(missing_ok=True)
    parent = path.parent
    while parent != output and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def sync_static(output: Path) -> list[str]:
    """Copy changed static files into ``output/static``; remove ones deleted from the package."""
    written, target = [], output / "static"
    present = set()
    for rel, data in static_outputs():
        present.add(rel)
        dst = target / rel
        if not dst.exists() or dst.read_bytes() != data:
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(data)
            written.append(f"static/{rel}")
    for dst in list(target.rglob("*")) if target.is_dir() else []:
        if dst.is_file() and dst.relative_to(target).as_posix() not in present:
            dst.unlink()
            written.append(f"static/{dst.relative_to(target).as_posix()}")
    return written


def write_pages(output: Path, html: Mapping[str, str], removed: tuple[str, ...], static: bool) -> list[str]:
    """Write the pages whose HTML changed, remove those gone, sync the static files; what changed."""
    written = [urls.output_path(url) for url, text in html.items()
               if write_if_changed(output, urls.output_path(url), text)]
    for url in removed:
        remove_file(output, urls.output_path(url))
    if static:
        written += sync_static(output)
    return written
