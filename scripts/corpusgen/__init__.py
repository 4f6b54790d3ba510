"""Fictional notice generator behind ``scripts/gen_corpus.py`` (phrase tables in ``scripts/corpus_data/``).

Modules, in the order a notice is made: ``bank`` (phrase tables), ``draw`` (seeded draws, numerals,
dates), ``institutions`` (invented institutions in real places), ``slots`` (template filling),
``notice`` (the notice model and its issues), ``layouts`` and ``render`` (paragraphs), ``writers``
(txt / GBK / html / docx files).
"""
