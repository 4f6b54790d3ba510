"""Search API over indexed 巡察整改 issues: hybrid retrieval, filters, facets, highlighting.

A query flows parse → lexical + vector legs → fuse → highlight → respond.
"""
