"""A review's document flow: PRISMA 2020 when every step names its box, else parallel strands.

A PRISMA-shaped flow (every step has a ``role``) is laid out as rows: identification sources side by
side, then the main column (screened, sought, assessed, included) with records removed and exclusions
beside the step they leave. Its arithmetic is checked: what is identified, less what is removed or
excluded, must equal the next count of the main column. Any other flow (theme searches of a realist
synthesis, theory-development counts) is drawn as strands side by side: counts of different strands
are never chained or added up.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .model import FlowStep, Review

MAIN = ("total", "screened", "sought", "assessed", "included")
SIDE = ("removed", "excluded", "not-retrieved")
PHASES = {"identified": "Identification", "total": "Identification", "removed": "Identification",
          "screened": "Screening", "excluded": "Screening", "sought": "Screening",
          "not-retrieved": "Screening", "assessed": "Screening", "included": "Included"}


@dataclass(frozen=True)
class FlowRow:
    """One row of a PRISMA diagram: its phase, the main-column boxes and the boxes beside them."""

    phase: str
    main: tuple[FlowStep, ...]
    side: tuple[FlowStep, ...]


def is_prisma(review: Review) -> bool:
    return bool(review.flow) and all(s.role for s in review.flow) and not any(s.group for s in review.flow)


def prisma_rows(review: Review) -> tuple[FlowRow, ...]:
    """The PRISMA 2020 rows of a flow whose every step names its box (:func:`is_prisma`)."""
    rows: list[FlowRow] = []
    for step in review.flow:
        if step.role == "identified":
            if rows and rows[-1].main and all(s.role == "identified" for s in rows[-1].main) and not rows[-1].side:
                rows[-1] = FlowRow(rows[-1].phase, rows[-1].main + (step,), ())
            else:
                rows.append(FlowRow(PHASES["identified"], (step,), ()))
        elif step.role in SIDE and rows:
            rows[-1] = FlowRow(rows[-1].phase, rows[-1].main, rows[-1].side + (step,))
        else:
            rows.append(FlowRow(PHASES[step.role or "screened"], (step,), ()))
    return tuple(rows)


def strands(review: Review) -> tuple[tuple[str, tuple[FlowStep, ...]], ...]:
    """(strand name, its steps in order) of a flow that is not PRISMA-shaped; steps without a group
    form one strand named after the review's flow as reported."""
    out: dict[str, list[FlowStep]] = {}
    for step in review.flow:
        out.setdefault(step.group or "Counts as reported", []).append(step)
    return tuple((name, tuple(steps)) for name, steps in out.items())


def arithmetic(review: Review) -> Iterator[tuple[FlowStep, str]]:
    """(step, message) for each main-column count that the counts before it do not give."""
    if not is_prisma(review):
        return
    running: int | None = None
    sums: list[str] = []
    for step in review.flow:
        if step.role == "identified":
            running = (running or 0) + step.count
            sums.append(f"{step.count:,} identified" if len(sums) == 0 else f"+ {step.count:,} identified")
        elif step.role in SIDE:
            if running is not None:
                running -= step.count
                sums.append(f"− {step.count:,} {step.role.replace('-', ' ')}")
        elif running is not None and step.count != running:
            yield step, (f"flow counts do not add up: {' '.join(sums)} = {running:,}, but '{step.stage}' "
                         f"reports {step.count:,}")
            running, sums = step.count, [f"{step.count:,} {step.role}"]
        else:
            running, sums = step.count, [f"{step.count:,} {step.role}"]
