"""Turn 巡察整改进展情况通报 notices into issue-level records and index them.

A notice flows read → normalise → segment → enrich → tokenise/embed → store;
each step is one module (see README, "Architecture").
"""

__version__ = "0.1.0"
