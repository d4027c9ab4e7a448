"""The ``/search/`` page: query box, filter panel, sort, results (filled by static/search.js)."""
from __future__ import annotations

import json
from typing import Iterator

from ...content.glossary import find_terms
from ...content.link import Corpus
from ...content.model import KINDS
from ..search_index import SORTS, filter_groups, filter_ids
from . import PageSpec

KIND_ORDER = ("paper", "cmoc", "theory", "map", "question", "review", "page")


def pages(corpus: Corpus) -> Iterator[PageSpec]:
    groups = filter_groups(corpus.config)
    ids = filter_ids(corpus)
    config = {
        "groups": [{"key": g.key, "label": g.label, "ids": ids.get(g.key, {}) if g.ids else False} for g in groups],
        "kinds": [KINDS[k].label for k in KIND_ORDER],
        "sorts": [{"value": value, "key": key, "order": order} for value, key, order in SORTS],
    }
    labels = " ".join(["CMOCs", *(g.label for g in groups)])  # the search box names CMOCs
    terms = tuple({t.key: t for _start, _end, t in find_terms(labels)}.values())
    yield PageSpec("search/", "search.html", "Search", {
        "groups": groups, "search_config": json.dumps(config, ensure_ascii=False), "terms": terms,
    }, section="search")
