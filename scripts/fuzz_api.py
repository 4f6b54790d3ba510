"""Fuzz the API with schemathesis over its own OpenAPI schema: every operation, cases valid by
the schema and invalid ones, each answer checked. The target: no server error (5xx), and every
answer as the schema documents it (status code, content type, body).

    python scripts/fuzz_api.py                          # its own server over the sample notices
    python scripts/fuzz_api.py --url http://127.0.0.1:8000 --api-key KEY --max-examples 100

Without ``--url`` it starts ``python -m search_api demo`` on a free loopback port over a temporary
data folder (the bundled sample notices, embedded backend, the model-free ``hashing`` embedder)
with a random API key, so the write endpoints (upload, delete, reindex) are fuzzed too; with
``--url`` they are fuzzed only when ``--api-key`` (or XUNCHA_API_KEY) is given, else they must
answer 401/403. ``--max-examples`` cases per operation and per kind (valid, invalid).

Prints one line per operation (cases, status codes seen, failures), then each distinct failure with
a curl command that replays it; exits 1 if there was any (``--json``: then the report as one JSON
line, which tests/test_fuzz.py reads).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHECK_NAMES = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
               "response_schema_conformance")
KEY_HEADER = "X-API-Key"
REQUEST_TIMEOUT = 60.0  # seconds per request against a URL (an upload or a reindex can take a while)


@dataclass
class Finding:
    """One distinct failure: an operation, a check, what was wrong, and how to replay it."""

    operation: str
    check: str
    message: str
    status: int | None
    curl: str


@dataclass
class OperationReport:
    label: str
    calls: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None  # the operation could not be fuzzed at all (schema or transport error)
    seconds: float = 0.0


@dataclass
class FuzzReport:
    operations: list[OperationReport] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def calls(self) -> int:
        return sum(o.calls for o in self.operations)

    @property
    def server_errors(self) -> int:
        return sum(n for o in self.operations for status, n in o.statuses.items() if status >= 500)

    @property
    def findings(self) -> list[Finding]:
        return [f for o in self.operations for f in o.findings]

    @property
    def ok(self) -> bool:
        return not self.findings and self.server_errors == 0 and not any(o.error for o in self.operations)

    def to_dict(self) -> dict[str, Any]:
        """The report as one JSON object (``--json``), for tests and other programs."""
        return {"ok": self.ok, "calls": self.calls, "server_errors": self.server_errors,
                "findings": len(self.findings), "seconds": round(self.seconds, 1),
                "operations": {o.label: {"calls": o.calls, "statuses": {str(k): v for k, v in sorted(o.statuses.items())},
                                         "findings": [f"{f.check} (status {f.status})" for f in o.findings],
                                         "error": o.error} for o in self.operations}}

    def summary(self) -> str:
        lines = [f"{'operation':<36}{'cases':>6}{'s':>6}  statuses"]
        for o in self.operations:
            statuses = " ".join(f"{s}×{n}" for s, n in sorted(o.statuses.items()))
            flag = f"  FAILURES {len(o.findings)}" if o.findings else ""
            lines.append(f"{o.label:<36}{o.calls:>6}{o.seconds:>6.1f}  {statuses}{flag}"
                         + (f"  ERROR {o.error}" if o.error else ""))
        for f in self.findings:
            lines += ["", f"{f.operation}: {f.check} (status {f.status})", f"  {f.message}", f"  {f.curl}"]
        lines.append("")
        lines.append(f"{len(self.operations)} operations, {self.calls} cases in {self.seconds:.0f} s: "
                     f"{self.server_errors} server errors, {len(self.findings)} distinct failures "
                     f"(checks: {', '.join(CHECK_NAMES)})")
        return "\n".join(lines)


def _checks() -> list[Callable]:
    import schemathesis.checks
    from schemathesis.specs.openapi import checks as openapi_checks

    return [getattr(openapi_checks, name, None) or getattr(schemathesis.checks, name) for name in CHECK_NAMES]


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + " …"


def fuzz(schema: Any, *, max_examples: int = 25, headers: dict[str, str] | None = None, seed: int | None = 0,
         transport: dict[str, Any] | None = None, limits: dict[str, int] | None = None,
         known_ids: dict[str, str] | None = None, progress: Callable[[str], None] | None = None) -> FuzzReport:
    """Run every operation of a schemathesis schema (``schemathesis.openapi.from_url`` or
    ``from_asgi``): the schema's own examples, then ``max_examples`` valid and ``max_examples``
    invalid cases, then — for a GET whose path names a stored document (``known_ids``: path
    parameter → an id that exists, see :func:`discover_ids`) — ``max_examples`` valid cases on it,
    so that the paths behind a found document are fuzzed too, not only the 404. ``headers`` go with
    every request (the API key); ``limits`` caps the cases of slow operations
    (``{"POST /api/reindex": 3}``). Failures are collected, not raised: one finding per
    operation, check and message."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis import strategies as st
    from schemathesis import GenerationMode
    from schemathesis.core.failures import Failure, FailureGroup
    from schemathesis.core.result import Err

    checks = _checks()
    started = time.perf_counter()
    report = FuzzReport()
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            error = result.err()
            report.operations.append(OperationReport(label=str(getattr(error, "path", "?")), error=_one_line(str(error))))
            continue
        operation = result.ok()
        op = OperationReport(label=f"{operation.method.upper()} {operation.path}")
        report.operations.append(op)
        run = _runner(op, checks, headers, transport or {}, Failure, FailureGroup)
        op_started = time.perf_counter()
        examples = min(max_examples, (limits or {}).get(op.label, max_examples))
        passes: list[tuple[str, Any]] = []
        from_examples = schema.get_strategies_from_examples(operation)
        if from_examples:
            passes.append(("examples", st.one_of(from_examples)))
        passes += [("valid", operation.as_strategy(generation_mode=GenerationMode.POSITIVE)),
                   ("invalid", operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))]
        names = [p["name"] for p in operation.definition.raw.get("parameters", []) if p.get("in") == "path"]
        if operation.method.lower() == "get" and names and all(n in (known_ids or {}) for n in names):
            fixed = {n: known_ids[n] for n in names}  # type: ignore[index]
            passes.append(("valid, stored id", operation.as_strategy(generation_mode=GenerationMode.POSITIVE,
                                                                     path_parameters=fixed)))
        for kind, strategy in passes:
            test = settings(max_examples=examples, deadline=None, database=None, verbosity=Verbosity.quiet,
                            phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
                            )(given(strategy)(run))
            if seed is not None:
                test = hypothesis_seed(seed)(test)
            try:
                test()
            except Exception as exc:  # noqa: BLE001 - e.g. nothing invalid can be generated for this operation
                if kind != "invalid":
                    op.error = _one_line(f"{kind}: {type(exc).__name__}: {exc}")
        op.seconds = time.perf_counter() - op_started
        if progress:
            progress(f"{op.label}: {op.calls} cases, {len(op.findings)} failures")
    report.seconds = time.perf_counter() - started
    return report


def discover_ids(get: Callable[[str, dict[str, Any]], Any]) -> dict[str, str]:
    """Path-parameter values that exist, found through the API itself: ``get(path, params)``
    returns the decoded JSON of a GET. ``{}`` when the index is empty."""
    hits = get("/api/measures/search", {"q": "医保", "size": 1, "mode": "lexical"}).get("hits") or \
        get("/api/measures/search", {"q": "整改", "size": 1, "mode": "lexical"}).get("hits") or []
    if not hits:
        return {}
    hit = hits[0]
    return {"issue_id": hit["issue_id"], "measure_id": hit["id"], "notice_id": hit["notice_id"]}


def _runner(op: OperationReport, checks: list[Callable], headers: dict[str, str] | None, transport: dict[str, Any],
            failure_type: type, group_type: type) -> Callable[[Any], None]:
    """Call one case, check the answer, record what failed (once per check and message)."""
    seen: set[tuple[str, str]] = set()

    def run(case: Any) -> None:
        op.calls += 1
        try:
            response = case.call(headers=headers, **transport)
        except Exception as exc:  # noqa: BLE001 - in-process, the app's exception; over HTTP, a dropped connection
            op.statuses[500] += 1
            key = ("exception", f"{type(exc).__name__}: {exc}")
            if key not in seen:
                seen.add(key)
                op.findings.append(Finding(op.label, "the request raised", _one_line(key[1]), 500,
                                           case.as_curl_command(headers=headers)))
            return
        op.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except group_type as group:
            failures: Sequence[Any] = group.exceptions
        except failure_type as failure:
            failures = [failure]
        else:
            return
        for failure in failures:
            key = (failure.title, _one_line(failure.message, 120))
            if key not in seen:
                seen.add(key)
                op.findings.append(Finding(op.label, failure.title, _one_line(failure.message),
                                           response.status_code, case.as_curl_command(headers=headers)))

    return run


# -- its own server -------------------------------------------------------------------------

@contextmanager
def own_server(api_key: str) -> Iterator[str]:
    """``python -m search_api demo`` over a temporary data folder; yields its URL."""
    from search_api.server_process import api_server

    folder = Path(tempfile.mkdtemp(prefix="xuncha-fuzz-"))
    env = {**os.environ, "XUNCHA_API_KEY": api_key, "XUNCHA_MODEL": "hashing", "XUNCHA_BACKEND": "embedded"}
    log = folder / "server.log"
    try:
        with api_server("demo", "--data", str(folder / "data"), env=env, log_path=log, timeout=300) as url:
            yield url
    finally:
        log_text = log.read_text("utf-8", "replace") if log.exists() else ""
        if "Traceback" in log_text:
            print("the server logged tracebacks (server.log):\n" + log_text[-3000:], file=sys.stderr)
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running server, e.g. http://127.0.0.1:8000 (default: start one)")
    parser.add_argument("--max-examples", type=int, default=50, help="cases per operation and kind (valid, invalid)")
    parser.add_argument("--api-key", default=None, help="sent as X-API-Key (default: XUNCHA_API_KEY; "
                                                        "a random one for its own server)")
    parser.add_argument("--reindex-examples", type=int, default=5,
                        help="cases of POST /api/reindex (each one rebuilds the whole index)")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed (reproducible runs)")
    parser.add_argument("--json", action="store_true", help="end with the report as one JSON line")
    args = parser.parse_args(argv)

    import httpx
    import schemathesis

    def run(url: str, key: str | None) -> FuzzReport:
        headers = {KEY_HEADER: key} if key else None
        base = url.rstrip("/")
        with httpx.Client(base_url=base, headers=headers, timeout=REQUEST_TIMEOUT) as client:
            known = discover_ids(lambda path, params: client.get(path, params=params).json())
        schema = schemathesis.openapi.from_url(f"{base}/openapi.json", headers=headers or {})
        return fuzz(schema, max_examples=args.max_examples, headers=headers, seed=args.seed,
                    transport={"timeout": REQUEST_TIMEOUT}, limits={"POST /api/reindex": args.reindex_examples},
                    known_ids=known, progress=lambda line: print(line, file=sys.stderr))

    if args.url:
        report = run(args.url, args.api_key or os.environ.get("XUNCHA_API_KEY"))
        target = args.url
    else:
        key = args.api_key or secrets.token_urlsafe(24)
        with own_server(key) as url:
            report = run(url, key)
        target = f"its own server (sample notices, embedded backend, hashing model) at {url}"
    print(f"schemathesis over {target}")
    print(report.summary())
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
