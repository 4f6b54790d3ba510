"""Parsing: a notice's text → a ``ParsedNotice``, one module per step.

read → normalise → segment (numbering, measures, status) → enrich (metadata); ``parse``
orchestrates them.
"""
