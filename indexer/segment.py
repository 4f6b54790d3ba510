"""Segmentation: normalised text → issues (problem, status, measures). PLACEHOLDER."""

from __future__ import annotations

from dataclasses import dataclass, field

from indexer.types import Issue


@dataclass(slots=True)
class Segmentation:
    issues: list[Issue] = field(default_factory=list)
    sections_found: int = 0
    warnings: list[str] = field(default_factory=list)


def segment(text: str) -> Segmentation:
    return Segmentation()
