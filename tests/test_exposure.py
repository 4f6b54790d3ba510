"""What the service shows and accepts at its edge (issue "Hostile files, notice updates and storage
faults", defects 9–12): very long URLs get 414, upload names get a clear reason, no server path
reaches a client, every answer carries the security headers, and a browser can sign in when reads
are protected.
"""

from __future__ import annotations

import csv
import io
import shutil
import socket
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from fastapi.testclient import TestClient

from indexer.backends.embedded import EmbeddedBackend
from indexer.backends.memory import MemoryBackend
from indexer.pipeline import ingest_paths
from search_api.app import create_app
from search_api.security import CONTENT_SECURITY_POLICY, MAX_URL_BYTES, SESSION_COOKIE
from search_api.server_process import api_server
from search_api.settings import ApiSettings
from tests import search_corpus

pytestmark = pytest.mark.reliability

KEY = "test-key-7f3a"
AUTH = {"X-API-Key": KEY}
SAMPLES = Path(__file__).resolve().parent.parent / "indexer" / "samples"
SAMPLE = SAMPLES / "01_county_hospital_yongfeng.txt"


def make_client(backend=None, **overrides) -> TestClient:
    if backend is None:
        backend = MemoryBackend()
        search_corpus.load(backend)
    settings = ApiSettings(backend=backend.name, api_key=KEY, **overrides)
    # https: the session cookie is Secure, so a client only sends it back over https
    return TestClient(create_app(settings, backend, search_corpus.EMBEDDER), base_url="https://testserver")


# -- 9: very long URLs --------------------------------------------------------------------------

def test_a_very_long_url_gets_414_with_a_clear_message():
    client = make_client()
    response = client.get("/api/search", params={"q": "医" * (MAX_URL_BYTES // 9 + 10)})
    assert response.status_code == 414
    body = response.json()
    assert body["ok"] is False and body["status"] == 414
    assert body["error"].startswith("the URL is ") and "over the 32 KB limit" in body["error"]
    # a URL under the limit is answered as usual (here: the query is too long, a 400 that says so)
    assert client.get("/api/search", params={"q": "医" * 2500}).status_code == 400


def _raw_get(url: str, target: str, timeout: float = 30.0) -> bytes:
    """One GET over a plain socket (an HTTP client library refuses such URLs before sending)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


def test_the_real_server_answers_long_urls_instead_of_resetting(tmp_path):
    with api_server("serve", "--backend", "memory", "--model", "hashing", "--data", str(tmp_path / "data"),
                    log_path=tmp_path / "server.log", timeout=180) as url:
        for size in (150_000, 800_000):  # a reset connection before (h11 read at most ~100 KB of head)
            answer = _raw_get(url, "/api/search?q=" + "a" * size)
            head, _, body = answer.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 414"), head[:200]
            assert b"over the 32 KB limit" in body


# -- 10: upload names ---------------------------------------------------------------------------

@pytest.mark.parametrize("name, status, reason", [
    ("..", 422, "the file name '..' has no type: end it with .docx, .htm, .html, .txt"),
    ("通报", 422, "the file name '通报' has no type: end it with .docx, .htm, .html, .txt"),
    ("通报.pdf", 422, "unsupported file type '.pdf' (supported: .docx, .htm, .html, .txt)"),
    (".txt", 200, None),  # a name that is only a type is read as that type
])
def test_upload_names_get_a_clear_reason(name, status, reason):
    client = make_client()
    response = client.post("/api/notices", files=[("files", (name, SAMPLE.read_bytes(), "text/plain"))],
                           headers=AUTH)
    assert response.status_code == status, response.text
    line = response.json()["files"][0]
    assert line["name"] == name
    if reason is None:
        assert line["outcome"] == "indexed"
    else:
        assert line["outcome"] == "failed" and line["reason"].startswith(reason)
        assert "unsupported file type ''" not in response.text


def test_an_over_long_upload_name_is_explained():
    client = make_client()
    response = client.post("/api/notices", files=[("files", ("通" * 5000 + ".txt", b"x", "text/plain"))],
                           headers=AUTH)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error.startswith("the upload could not be read as multipart form data (")
    assert "file name included, are limited to 4 KB" in error and "Invalid multipart data" not in error


# -- 11: no server paths, security headers ------------------------------------------------------

def _served_from_a_deep_folder(tmp_path: Path, backend) -> tuple[str, str]:
    """A sample ingested from a folder whose path must not show; (notice id, file name)."""
    folder = tmp_path / "srv" / "xuncha-private" / "incoming"
    folder.mkdir(parents=True)
    path = folder / "永丰县人民医院巡察整改通报.txt"
    shutil.copy(SAMPLE, path)
    backend.check_compatible(search_corpus.EMBEDDER.model_id, search_corpus.EMBEDDER.dims,
                             search_corpus.DICTIONARY_VERSION)
    ingest_paths([path], ApiSettings(backend=backend.name), backend=backend, embedder=search_corpus.EMBEDDER,
                 progress=False)
    notice_id = next(iter(backend.iter_notices()))["notice_id"]
    return notice_id, path.name


def test_no_server_path_reaches_a_client(tmp_path):
    backend = EmbeddedBackend(tmp_path / "data-folder")
    try:
        notice_id, name = _served_from_a_deep_folder(tmp_path, backend)
        client = make_client(backend)
        secret = str(tmp_path)
        notice = client.get(f"/api/notices/{notice_id}").json()
        assert notice["notice"]["source"] == name
        assert all(issue["source"] == name for issue in notice["issues"])
        hits = client.get("/api/search", params={"q": "医保基金", "mode": "lexical"}).json()["hits"]
        assert hits and {h["source"] for h in hits} == {name}
        issue_id = notice["issues"][0]["id"]
        assert client.get(f"/api/issues/{issue_id}").json()["issue"]["source"] == name
        stats = client.get("/api/stats").json()
        assert stats["location"] == "data-folder"
        page = client.get(f"/notices/{notice_id}").text
        rows = list(csv.reader(io.StringIO(
            client.get("/export.csv", params={"q": "医保基金", "mode": "lexical"}).content.decode("utf-8-sig"))))
        assert {r[rows[0].index("来源")] for r in rows[1:]} == {name}
        uploaded = client.post("/api/notices", files=[("files", ("转载.txt", SAMPLE.read_bytes(), "text/plain"))],
                               headers=AUTH)
        for text in (str(notice), str(hits), str(stats), page, str(rows), uploaded.text):
            assert secret not in text and "xuncha-private" not in text and "xuncha-upload" not in text
    finally:
        backend.close()


@pytest.mark.parametrize("path", ["/", "/?q=医保基金", "/api/search?q=医保", "/static/app.js", "/nothing",
                                  "/api/search?q=" + "x" * 40_000])
def test_every_answer_has_the_security_headers(path):
    response = make_client().get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY and "'unsafe-inline'" not in CONTENT_SECURITY_POLICY


def test_the_api_docs_keep_their_viewer():
    response = make_client().get("/docs")
    assert response.status_code == 200
    assert "content-security-policy" not in response.headers  # the viewer loads from a CDN, inline
    assert response.headers["x-content-type-options"] == "nosniff"


# -- 12: sign-in when reads are protected -------------------------------------------------------

def test_a_browser_is_sent_to_sign_in_and_back():
    client = make_client(protect_reads=True)
    page = {"accept": "text/html,application/xhtml+xml"}
    response = client.get("/?q=医保", headers=page, follow_redirects=False)
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert location.path == "/login" and parse_qs(location.query) == {"next": [f"/?q={quote('医保')}"]}
    form = client.get(response.headers["location"], headers=page)
    assert form.status_code == 200 and 'name="key"' in form.text and 'type="password"' in form.text
    # the sign-in page's own CSS and icon open without a key
    assert client.get("/static/app.css").status_code == 200 and client.get("/favicon.ico").status_code == 200
    # the API still answers 401 in JSON (programs send the key)
    assert client.get("/api/search", params={"q": "医保"}).status_code == 401


def test_signing_in_sets_a_strict_session_cookie_accepted_like_the_key():
    client = make_client(protect_reads=True)
    wrong = client.post("/login", data={"key": "guess", "next": "/"}, follow_redirects=False)
    assert wrong.status_code == 401 and "密钥不正确" in wrong.text and SESSION_COOKIE not in wrong.headers.get(
        "set-cookie", "")
    right = client.post("/login", data={"key": KEY, "next": "/?q=医保"}, follow_redirects=False)
    assert (right.status_code, right.headers["location"]) == (303, f"/?q={quote('医保')}")
    cookie = right.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=") and KEY not in cookie
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=strict", "path=/"} <= flags
    # the cookie opens pages and the API, like the key
    assert client.get("/", params={"q": "医保"}).status_code == 200
    assert client.get("/api/search", params={"q": "医保"}).status_code == 200
    # the key header still works without a cookie; a forged cookie does not
    fresh = make_client(protect_reads=True)
    assert fresh.get("/api/search", params={"q": "医保"}, headers=AUTH).status_code == 200
    forged = make_client(protect_reads=True)
    forged.cookies.set(SESSION_COOKIE, "9999999999.00")
    assert forged.get("/api/search", params={"q": "医保"}).status_code == 401
    # signing out ends the session
    client.post("/logout", follow_redirects=False)
    assert client.get("/api/search", params={"q": "医保"}).status_code == 401


@pytest.mark.parametrize("target, lands", [("/notices/x", "/notices/x"), ("https://evil.example/", "/"),
                                           ("//evil.example/", "/"), ("", "/")])
def test_sign_in_only_returns_to_this_site(target, lands):
    response = make_client(protect_reads=True).post("/login", data={"key": KEY, "next": target},
                                                    follow_redirects=False)
    assert response.headers["location"] == lands
