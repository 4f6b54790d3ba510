"""Access, limits and the write endpoints (issue "Reliability and security", API half).

The endpoints that change data (search_api/admin.py) need the API key and are disabled without
one; ``protect_reads`` puts reads and pages behind the same key (probes stay open); bodies are
capped while they stream; CORS is closed unless configured. Uploads run the real ingest pipeline
on the bundled sample notices; on the embedded backend a serving API keeps no writer lock and its
own backend sees every write, with searches answering throughout.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer.backends.embedded import EmbeddedBackend
from indexer.backends.memory import MemoryBackend
from indexer.embed import HashingEmbedder
from indexer.pipeline import ingest_paths
from search_api import admin, security
from search_api.__main__ import SAMPLES
from search_api.app import create_app
from search_api.settings import ApiSettings
from tests import search_corpus

KEY = "k3y-for-tests"
AUTH = {"X-API-Key": KEY}
EMBEDDER = HashingEmbedder(64)
SAMPLE_FILES = sorted(p for p in Path(SAMPLES).iterdir() if p.suffix in (".txt", ".html", ".docx"))

WRITES_DISABLED = ("writes are disabled on this server because no API key is configured: set the api_key "
                   "setting (environment variable XUNCHA_API_KEY) and send the key in the X-API-Key header to "
                   "upload, delete or reindex notices")
KEY_MISSING = ("this endpoint needs the API key: send it in the X-API-Key header "
               "(or as Authorization: Bearer <key>)")
WRITES = [("post", "/api/notices"), ("delete", "/api/notices/qh2023"), ("post", "/api/reindex")]


def error(status: int, message: str) -> dict:
    return {"ok": False, "error": message, "status": status}


def corpus_client(**overrides) -> TestClient:
    backend = MemoryBackend()
    search_corpus.load(backend)
    return TestClient(create_app(ApiSettings(backend="memory", **overrides), backend, search_corpus.EMBEDDER))


def upload(*paths: Path, name: str | None = None) -> list:
    return [("files", (name or p.name, p.read_bytes())) for p in paths]


# -- the key ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, path", WRITES)
def test_writes_are_disabled_without_a_configured_key(method, path):
    client = corpus_client()
    response = client.request(method, path, headers=AUTH)
    assert (response.status_code, response.json()) == (403, error(403, WRITES_DISABLED))
    assert client.get("/api/notices/qh2023").status_code == 200  # nothing was deleted


@pytest.mark.parametrize("method, path", WRITES)
def test_writes_need_the_right_key(method, path):
    client = corpus_client(api_key=KEY)
    missing = client.request(method, path)
    assert (missing.status_code, missing.json()) == (401, error(401, KEY_MISSING))
    assert missing.headers["www-authenticate"] == "Bearer"
    for headers in ({"X-API-Key": KEY + "x"}, {"X-API-Key": KEY[:-1]}, {"Authorization": f"Basic {KEY}"},
                    {"Authorization": f"Bearer {KEY}x"}):
        wrong = client.request(method, path, headers=headers)
        assert wrong.status_code == 401, headers
    assert client.get("/api/notices/qh2023").status_code == 200


def test_the_key_is_accepted_as_header_or_bearer_token():
    client = corpus_client(api_key=KEY)
    assert client.delete("/api/notices/qh2023", headers=AUTH).json() == {"ok": True, "deleted": ["qh2023"]}
    assert client.delete("/api/notices/sm2024", headers={"Authorization": f"Bearer {KEY}"}).json() == {
        "ok": True, "deleted": ["sm2024"]}
    assert client.get("/api/notices/qh2023").status_code == 404
    assert client.get("/api/stats").json()["notices"] == 2


def test_keys_are_compared_in_constant_time(monkeypatch):
    calls = []
    real = security.hmac.compare_digest
    monkeypatch.setattr(security.hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    client = corpus_client(api_key=KEY)
    assert client.post("/api/reindex", headers={"X-API-Key": "guess"}).status_code == 401
    assert calls and all(len(a) == len(b) == 32 for a, b in calls)  # digests: lengths leak nothing


def test_reads_are_open_by_default_even_with_a_key():
    client = corpus_client(api_key=KEY)
    assert client.get("/api/search", params={"q": "医保"}).status_code == 200
    assert client.get("/").status_code == 200


READS = ["/api/search?q=医保", "/api/stats", "/api/issues/qh2023-001", "/api/categories", "/", "/notices/qh2023",
         "/docs", "/openapi.json", "/export.csv?q=医保", "/api/nothing"]


@pytest.mark.parametrize("path", READS)
def test_protect_reads_puts_reads_and_pages_behind_the_key(path):
    client = corpus_client(api_key=KEY, protect_reads=True)
    response = client.get(path)
    assert (response.status_code, response.json()) == (401, error(401, KEY_MISSING))
    assert client.get(path, headers={"X-API-Key": "nope"}).status_code == 401
    expected = 404 if path == "/api/nothing" else 200
    assert client.get(path, headers=AUTH).status_code == expected
    assert client.get(path, headers={"Authorization": f"Bearer {KEY}"}).status_code == expected


def test_probes_stay_open_when_reads_are_protected():
    client = corpus_client(api_key=KEY, protect_reads=True)
    assert client.get("/healthz").json() == {"ok": True, "status": "alive"}
    assert client.get("/readyz").json() == {"ok": True, "status": "ready", "detail": None}


def test_protected_reads_without_a_key_fail_closed():
    client = corpus_client(protect_reads=True)
    response = client.get("/api/search", params={"q": "医保"})
    assert (response.status_code, response.json()) == (403, error(403, (
        "reads are protected (setting protect_reads) but no API key is configured: set the api_key setting "
        "(environment variable XUNCHA_API_KEY)")))
    assert client.get("/healthz").status_code == 200


def test_write_endpoints_document_the_key_in_the_schema():
    schema = corpus_client().get("/openapi.json").json()
    assert set(schema["components"]["securitySchemes"]) == {"APIKeyHeader", "HTTPBearer"}
    assert schema["components"]["securitySchemes"]["APIKeyHeader"] == {
        "type": "apiKey", "in": "header", "name": "X-API-Key",
        "description": "the API key (setting api_key); required by every endpoint that changes data"}
    for method, path in [("post", "/api/notices"), ("delete", "/api/notices/{notice_id}"), ("post", "/api/reindex")]:
        operation = schema["paths"][path][method]
        assert operation["security"] == [{"APIKeyHeader": []}, {"HTTPBearer": []}]
        assert {"401", "403", "413"} <= set(operation["responses"])
    assert "security" not in schema["paths"]["/api/search"]["get"]


# -- body limits -------------------------------------------------------------------------------------

UPLOAD_TOO_LARGE = ("the upload is larger than the 1 MB limit (setting max_upload_mb): send fewer or smaller "
                    "files per request")
BODY_TOO_LARGE = "the request body is larger than the 64 KB limit (setting max_body_kb)"


def test_an_upload_over_the_limit_is_413():
    client = corpus_client(api_key=KEY, max_upload_mb=1)
    big = [("files", ("big.txt", "通报".encode() * 300_000))]
    response = client.post("/api/notices", files=big, headers=AUTH)
    assert (response.status_code, response.json()) == (413, error(413, UPLOAD_TOO_LARGE))
    assert client.get("/api/stats").json()["notices"] == 4


def test_a_declared_length_over_the_limit_is_refused_at_once():
    client = corpus_client(api_key=KEY)
    response = client.post("/api/reindex", content=b"x" * 70_000, headers=AUTH)
    assert (response.status_code, response.json()) == (413, error(413, BODY_TOO_LARGE))


def test_a_body_without_length_is_counted_as_it_streams():
    client = corpus_client(api_key=KEY, max_upload_mb=1)

    def multipart():  # chunked: no Content-Length to judge by
        yield b'--b\r\nContent-Disposition: form-data; name="files"; filename="a.txt"\r\n\r\n'
        for _ in range(40):
            yield "通报".encode() * 10_000
        yield b"\r\n--b--\r\n"

    response = client.post("/api/notices", content=multipart(),
                           headers={**AUTH, "Content-Type": "multipart/form-data; boundary=b"})
    assert (response.status_code, response.json()) == (413, error(413, UPLOAD_TOO_LARGE))
    assert client.get("/api/stats").json()["notices"] == 4


def test_an_unauthorised_upload_is_refused_before_its_body_is_read():
    client = corpus_client(api_key=KEY, max_upload_mb=1)
    response = client.post("/api/notices", files=[("files", ("big.txt", b"x" * 2_000_000))])
    assert response.status_code == 401


def test_reading_stops_at_the_limit():
    """The ASGI app is fed a 10 MB chunked body, 64 KB at a time: it answers 413 having read
    just over the 1 MB limit."""
    app = create_app(ApiSettings(backend="memory", api_key=KEY, max_upload_mb=1), MemoryBackend(), EMBEDDER)
    head = b'--b\r\nContent-Disposition: form-data; name="files"; filename="a.txt"\r\n\r\n'
    chunk = b"x" * 65536
    fed = 0
    sent: list[dict] = []

    async def receive():
        nonlocal fed
        fed += 1
        return {"type": "http.request", "body": head if fed == 1 else chunk, "more_body": fed < 160}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/api/notices", "raw_path": b"/api/notices", "root_path": "", "query_string": b"",
             "headers": [(b"x-api-key", KEY.encode()), (b"content-type", b"multipart/form-data; boundary=b")],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "state": {}}
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 413
    assert fed == 17  # the part's head, then 16 × 64 KB: just over the limit, and nothing more


# -- CORS ----------------------------------------------------------------------------------------------

PREFLIGHT = {"Origin": "https://a.example", "Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "X-API-Key"}


def test_cors_is_closed_by_default():
    client = corpus_client(api_key=KEY)
    response = client.get("/api/search", params={"q": "医保"}, headers={"Origin": "https://a.example"})
    assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-origin" not in client.options("/api/notices", headers=PREFLIGHT).headers


def test_cors_allows_the_configured_origins_only():
    client = corpus_client(api_key=KEY, protect_reads=True, cors_origins="https://a.example, https://b.example")
    preflight = client.options("/api/notices", headers=PREFLIGHT)  # preflights carry no key
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://a.example"
    assert "X-API-Key" in preflight.headers["access-control-allow-headers"]
    response = client.get("/api/stats", headers={"Origin": "https://b.example", **AUTH})
    assert response.headers["access-control-allow-origin"] == "https://b.example"
    denied = client.get("/api/stats", headers={"Origin": "https://evil.example", **AUTH})
    assert "access-control-allow-origin" not in denied.headers
    assert client.options("/api/notices", headers={**PREFLIGHT, "Origin": "https://evil.example"}).status_code == 400


def test_cors_origins_setting_is_split_on_commas():
    assert security.cors_origins(ApiSettings(cors_origins=" https://a.example ,,https://b.example ")) == [
        "https://a.example", "https://b.example"]
    assert security.cors_origins(ApiSettings()) == []


# -- upload, delete, reindex -----------------------------------------------------------------------

def test_upload_reports_every_file_in_order():
    client = corpus_client(api_key=KEY)
    first, second = SAMPLE_FILES[:2]
    files = (upload(first) + upload(first, name="副本.txt") + [("files", ("scan.pdf", b"%PDF-1.4"))]
             + upload(second, name="../../etc/" + second.name))
    response = client.post("/api/notices", files=files, headers=AUTH)
    assert response.status_code == 200, response.text
    body = response.json()
    outcomes = [(f["name"], f["outcome"]) for f in body["files"]]
    assert outcomes == [(first.name, "indexed"), ("副本.txt", "skipped"), ("scan.pdf", "failed"),
                        ("../../etc/" + second.name, "indexed")]
    skipped, failed = body["files"][1], body["files"][2]
    assert skipped["reason"] == f"same text as {first.name}, ingested in this run"
    assert failed["reason"] == "unsupported file type '.pdf' (supported: .docx, .htm, .html, .txt)"
    assert "/tmp" not in response.text
    summary = body["summary"]
    assert (body["ok"], summary["files"], summary["indexed"], summary["skipped"], summary["failed"]) == (
        True, 4, 2, 1, 1)
    assert body["report"] is None  # memory backend: no data folder to keep it in
    stats = client.get("/api/stats").json()
    assert stats["notices"] == 4 + 2
    notice_id = body["files"][0]["notice_id"]
    notice = client.get(f"/api/notices/{notice_id}").json()
    assert [i["seq"] for i in notice["issues"]] == list(range(1, body["files"][0]["issues"] + 1))


def test_upload_of_nothing_usable_is_422_with_the_reasons():
    client = corpus_client(api_key=KEY)
    response = client.post("/api/notices", headers=AUTH,
                           files=[("files", ("a.pdf", b"x")), ("files", ("empty.txt", b""))])
    assert response.status_code == 422
    body = response.json()
    assert (body["ok"], body["status"]) == (False, 422)
    assert body["error"] == ("none of the 2 file(s) could be ingested (a.pdf: unsupported file type '.pdf' "
                             "(supported: .docx, .htm, .html, .txt); empty.txt: empty file (0 bytes))")
    assert [f["outcome"] for f in body["files"]] == ["failed", "failed"]


def test_upload_without_files_is_422():
    client = corpus_client(api_key=KEY)
    response = client.post("/api/notices", headers=AUTH, data={"other": "x"})
    assert (response.status_code, response.json()["error"]) == (422, "files: Field required")


def test_delete_of_a_missing_notice_is_404():
    client = corpus_client(api_key=KEY)
    response = client.delete("/api/notices/nosuch", headers=AUTH)
    assert (response.status_code, response.json()) == (404, error(404, "no notice with id 'nosuch'"))


def test_reindex_rebuilds_from_the_stored_texts():
    client = TestClient(create_app(ApiSettings(backend="memory", api_key=KEY), MemoryBackend(), EMBEDDER))
    client.post("/api/notices", files=upload(*SAMPLE_FILES[:2]), headers=AUTH)
    before = client.get("/api/stats").json()
    response = client.post("/api/reindex", headers=AUTH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert {k: body[k] for k in ("ok", "notices", "issues", "measures", "changed_ids", "failed", "switched_from")} == {
        "ok": True, "notices": 2, "issues": before["issues"], "measures": before["measures"], "changed_ids": 0,
        "failed": {}, "switched_from": None}
    after = client.get("/api/stats").json()
    assert (after["notices"], after["issues"]) == (2, before["issues"])


def test_writes_wait_for_each_other_then_give_up_with_409():
    gate = admin.WriteGate(wait=0.2)
    started = threading.Event()
    release = threading.Event()

    def slow():
        started.set()
        release.wait(5)
        return "first"

    async def scenario():
        first = asyncio.create_task(gate.run("reindex", slow))
        await asyncio.to_thread(started.wait, 5)
        with pytest.raises(admin.HTTPException) as refused:
            await gate.run("upload of 1 file(s)", lambda: "second")
        release.set()
        return await first, refused.value

    result, refused = asyncio.run(scenario())
    assert result == "first"
    assert refused.status_code == 409
    assert refused.detail.startswith("another write (reindex, running for 0 s) is in progress")


def test_service_not_ready_refuses_writes_with_503():
    client = TestClient(create_app(ApiSettings(backend="memory", api_key=KEY)))
    response = client.post("/api/reindex", headers=AUTH)
    assert response.status_code == 503


# -- the embedded backend: one writer, readers see the writes --------------------------------------

@pytest.fixture()
def served_index(tmp_path):
    """An index written by the CLI's library call, then served by an API that only reads."""
    settings = ApiSettings(backend="embedded", data_dir=str(tmp_path / "data"), model="hashing", api_key=KEY)
    summary = ingest_paths(SAMPLE_FILES[:4], settings, embedder=EMBEDDER, progress=False)
    assert summary.indexed + summary.empty == 4
    reader = EmbeddedBackend(settings.data_path, threads=1)
    yield settings, reader
    reader.close()


def test_embedded_uploads_are_seen_by_the_api_and_leave_no_lock(served_index):
    settings, reader = served_index
    client = TestClient(create_app(settings, reader, EMBEDDER))
    assert client.get("/api/stats").json()["notices"] == 4
    response = client.post("/api/notices", files=upload(*SAMPLE_FILES[4:6]), headers=AUTH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [f["outcome"] for f in body["files"]] == ["indexed", "indexed"]
    assert "/" not in body["report"] and (settings.data_path / "reports" / body["report"]).is_file()
    assert client.get("/api/stats").json()["notices"] == 6
    new_id = body["files"][0]["notice_id"]
    assert client.get(f"/api/notices/{new_id}").status_code == 200
    # the API keeps no writer lock: the CLI can ingest while it serves, and the API sees that too
    cli = ingest_paths(SAMPLE_FILES[6:7], settings, embedder=EMBEDDER, progress=False)
    assert cli.indexed + cli.empty == 1
    assert client.get("/api/stats").json()["notices"] == 7
    assert client.delete(f"/api/notices/{new_id}", headers=AUTH).json() == {"ok": True, "deleted": [new_id]}
    assert client.get(f"/api/notices/{new_id}").status_code == 404
    reindexed = client.post("/api/reindex", headers=AUTH).json()
    assert (reindexed["ok"], reindexed["notices"], reindexed["failed"]) == (True, 6, {})
    stats = client.get("/api/stats").json()
    assert (stats["notices"], stats["issues"]) == (6, reindexed["issues"])


def test_searches_answer_while_writes_run(served_index):
    settings, reader = served_index
    client = TestClient(create_app(settings, reader, EMBEDDER))
    baseline = client.get("/api/search", params={"q": "医保基金", "size": 5}).json()["total"]
    stop = threading.Event()
    statuses: list[int] = []
    totals: list[int] = []

    def search():
        while not stop.is_set():
            response = client.get("/api/search", params={"q": "医保基金", "size": 5})
            statuses.append(response.status_code)
            if response.status_code == 200:
                totals.append(response.json()["total"])

    readers = [threading.Thread(target=search) for _ in range(2)]
    for thread in readers:
        thread.start()
    try:
        uploads = [threading.Thread(target=lambda files=files: client.post("/api/notices", files=files, headers=AUTH))
                   for files in (upload(SAMPLE_FILES[4]), upload(SAMPLE_FILES[5]))]
        for thread in uploads:
            thread.start()
        for thread in uploads:
            thread.join(60)
        assert client.post("/api/reindex", headers=AUTH).status_code == 200
        time.sleep(0.2)
    finally:
        stop.set()
        for thread in readers:
            thread.join(30)
    assert statuses and set(statuses) == {200}
    assert min(totals) >= baseline
    assert client.get("/api/stats").json()["notices"] == 6  # both uploads went in, one after the other


def test_upload_with_another_model_than_the_index_is_409():
    backend = MemoryBackend()
    search_corpus.load(backend)  # hashing, 64 dims
    client = TestClient(create_app(ApiSettings(backend="memory", api_key=KEY), backend, HashingEmbedder(32)))
    response = client.post("/api/notices", files=upload(SAMPLE_FILES[0]), headers=AUTH)
    assert response.status_code == 409
    assert response.json()["error"].startswith("the index holds vectors of model hashing-bigram-64 (64 dims), not "
                                               "hashing-bigram-32 (32 dims)")


@pytest.mark.elasticsearch
def test_elasticsearch_uploads_and_deletes_are_searchable_at_once(tmp_path):
    from tests.es_server import make_elastic_backend

    backend = make_elastic_backend(tmp_path)
    try:
        client = TestClient(create_app(ApiSettings(backend="elasticsearch", api_key=KEY), backend, EMBEDDER))
        body = client.post("/api/notices", files=upload(*SAMPLE_FILES[:2]), headers=AUTH).json()
        assert [f["outcome"] for f in body["files"]] == ["indexed", "indexed"]
        notice_id = body["files"][0]["notice_id"]
        hits = client.get("/api/search", params={"q": "医保", "size": 50}).json()["hits"]
        assert notice_id in {h["notice_id"] for h in hits}
        assert client.delete(f"/api/notices/{notice_id}", headers=AUTH).json() == {"ok": True, "deleted": [notice_id]}
        hits = client.get("/api/search", params={"q": "医保", "size": 50}).json()["hits"]
        assert notice_id not in {h["notice_id"] for h in hits}
        assert client.get("/api/stats").json()["notices"] == 1
    finally:
        backend.close()


def test_a_write_while_the_cli_holds_the_writer_lock_is_409(served_index):
    settings, reader = served_index
    client = TestClient(create_app(settings, reader, EMBEDDER))
    cli = EmbeddedBackend(settings.data_path, threads=1)  # as `indexer ingest` would, mid-run
    try:
        cli.delete_notices(["nosuch"])  # takes the writer lock, kept until close
        response = client.post("/api/notices", files=upload(SAMPLE_FILES[5]), headers=AUTH)
        assert response.status_code == 409
        assert "is writing to the index" in response.json()["error"]
        assert "only one writer at a time" in response.json()["error"]
        assert client.get("/api/search", params={"q": "医保"}).status_code == 200
    finally:
        cli.close()
    assert client.post("/api/notices", files=upload(SAMPLE_FILES[5]), headers=AUTH).status_code == 200
