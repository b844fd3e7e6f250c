"""Read-only statistics over a study's trials: pure numpy/scipy, no Flask, no store."""

from __future__ import annotations

from .importance import ImportanceReport, importance, importance_report

__all__ = ["ImportanceReport", "importance", "importance_report"]
