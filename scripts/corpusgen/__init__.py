"""Fictional notice generator behind ``scripts/gen_corpus.py`` (phrase tables in ``scripts/corpus_data/``).

Modules, in the order a notice is made: ``bank`` (phrase tables), ``draw`` (seeded draws, numerals,
dates), ``institutions`` (invented institutions in real places), ``slots`` (template filling),
``model`` (Notice / Section / Issue), ``issues`` (problems and measures from the bank),
``notice`` (``build_notice``), ``variants`` (the layouts real pages take, issue 11), ``layouts`` and
``render`` (paragraphs), ``writers`` (txt / GBK / html / docx files), ``manifest`` (what the
parser must give).
"""
