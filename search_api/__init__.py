"""Search API over indexed 巡察整改 issues: hybrid retrieval, filters, facets, highlighting.

A query flows parse → lexical + vector legs → fuse → collapse → highlight → respond:
:mod:`~search_api.parse` (validation, caps) → :mod:`~search_api.lexical` (tokens, BM25) and
:mod:`~search_api.vector` (query embedding, cosine) → :mod:`~search_api.fuse` (``FUSERS``: rrf,
linear) → :mod:`~search_api.search` (the core: collapse, facets, explanation) →
:mod:`~search_api.highlight` (offsets into the original text) → :mod:`~search_api.app` (FastAPI).

Endpoints (JSON; all in ``/openapi.json`` with examples, browsable at ``/docs``):

====================================  =========================================================
``GET /api/search``                   issues: ``q``, ``mode`` (hybrid | lexical | semantic),
                                      filters, ``page``/``size``, ``collapse``, ``facets``, ``fusion``
``GET /api/measures/search``          measure items with their issue and institution
``GET /api/issues/{id}``              one issue
``GET /api/issues/{id}/similar``      query-by-example; ``scope`` other_institutions (default) |
                                      other_notices | all
``GET /api/measures/{id}``            one measure item
``GET /api/notices/{id}``             metadata, issues in order, parse-quality report
``GET /api/stats``                    counts, model id, dictionary version, backend, fusion
``GET /api/categories``               the topic taxonomy (indexer.categories)
``GET /healthz``, ``GET /readyz``     alive; ready (index open, model loaded and warm)
====================================  =========================================================

Filters (any endpoint that searches): ``institution_type``, ``province``, ``city``, ``county``,
``level``, ``status``, ``institution``, ``category`` (repeat a parameter or comma-separate values
for OR), ``year_from``/``year_to``, ``exclude_institution``, ``exclude_notice``.

Errors are ``{"ok": false, "error": message, "status": code}``: 400 invalid input (what to change
is in the message), 422 wrong parameter type, 404 unknown id, 503 backend unavailable or still
loading; never a stack trace.

From Python (the web page does this)::

    service = app.state.search.service()          # or SearchService(settings, backend, embedder)
    result = service.search_issues(parse_search_request(settings, q="医保基金", mode="hybrid"))
    result.hits, result.facets, result.total

Run it: ``python -m search_api serve [--data DIR] [--host H --port P]``, or ``python -m search_api
demo`` to index the bundled sample notices first (``make run``).
"""
