"""The upload page through FastAPI's TestClient: who may upload, each file's outcome with its
parse-quality report and a link to the stored notice. (The browser test drops files on it.)"""

from __future__ import annotations

import re
from html import unescape

from tests.test_pipeline import DATA, QINGHE, SHIMEN
from tests.test_security import AUTH, KEY, corpus_client


def _rows(html: str) -> list[tuple[str, str]]:
    """(outcome, row html) of the results table."""
    return re.findall(r'<tr class="outcome-(\w+)" data-outcome="\w+">(.*?)</tr>', html, re.S)


def test_without_a_configured_key_the_page_says_uploads_are_off() -> None:
    client = corpus_client()
    page = client.get("/upload")
    assert page.status_code == 200 and 'id="upload-disabled"' in page.text and "XUNCHA_API_KEY" in page.text
    assert 'id="upload-form"' not in page.text
    assert client.post("/upload", files=[("files", ("a.txt", b"x"))]).status_code == 403


def test_without_signing_in_the_page_links_to_the_sign_in() -> None:
    client = corpus_client(api_key=KEY)
    page = client.get("/upload").text
    assert 'id="upload-sign-in"' in page and 'href="/login?next=/upload"' in page
    assert 'id="upload-form"' not in page
    assert client.post("/upload", files=[("files", ("a.txt", b"x"))]).status_code == 401


def test_each_file_gets_its_outcome_quality_and_link() -> None:
    client = corpus_client(api_key=KEY)
    assert 'id="upload-form"' in client.get("/upload", headers=AUTH).text
    qinghe, shimen = (DATA / QINGHE).read_bytes(), (DATA / SHIMEN).read_bytes()
    files = [("files", (QINGHE, qinghe)), ("files", ("副本.txt", qinghe)), ("files", (SHIMEN, shimen)),
             ("files", ("扫描件.pdf", b"%PDF-1.4"))]
    page = client.post("/upload", headers=AUTH, files=files, data={"source": "青禾县人民政府网站"})
    assert page.status_code == 200, page.text
    rows = _rows(page.text)
    assert [outcome for outcome, _ in rows] == ["indexed", "skipped", "indexed", "failed"]
    indexed = rows[0][1]
    notice_id = re.search(r'href="/notices/(\w+)"', indexed).group(1)
    quality = client.get(f"/api/notices/{notice_id}").json()["quality"]
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", indexed)).split())
    assert QINGHE in text and "已入库" in text
    assert f"问题 {quality['issues_found']}" in text and f"注明状态 {quality['statuses_found']}" in text
    assert client.get(f"/api/notices/{notice_id}").json()["notice"]["source_name"] == "青禾县人民政府网站"
    assert "已存在，未变" in rows[1][1] and "库中已有文本相同的通报" in rows[1][1]
    assert "失败" in rows[3][1] and "unsupported file type &#39;.pdf&#39;" in rows[3][1]
    assert 'href="/notices/' not in rows[3][1]
    assert re.search(r"共 4 个文件：入库 2，更新 0，已存在 1，重复 0，失败 1", page.text)
    assert "/tmp" not in page.text


def test_posting_no_file_asks_for_one() -> None:
    client = corpus_client(api_key=KEY)
    page = client.post("/upload", headers=AUTH, files=[("files", ("", b""))], data={"source": ""})
    assert page.status_code == 422 and "请先选择要上传的通报文件" in page.text


def test_the_sign_in_cookie_opens_the_upload_page_and_its_post() -> None:
    client = corpus_client(api_key=KEY)
    client.base_url = "https://testserver"  # the session cookie is Secure
    signed = client.post("/login", data={"key": KEY, "next": "/upload"}, follow_redirects=False)
    assert (signed.status_code, signed.headers["location"]) == (303, "/upload")
    assert 'id="upload-form"' in client.get("/upload").text  # no key header: the cookie
    page = client.post("/upload", files=[("files", (QINGHE, (DATA / QINGHE).read_bytes()))])
    assert [outcome for outcome, _ in _rows(page.text)] == ["indexed"]


def test_a_later_version_is_shown_as_replacing_the_earlier_one() -> None:
    from tests.test_versions import V1, V2

    client = corpus_client(api_key=KEY)
    first = client.post("/upload", headers=AUTH, files=[("files", ("东坪镇卫生院.txt", V1.encode()))])
    assert [outcome for outcome, _ in _rows(first.text)] == ["indexed"]
    second = client.post("/upload", headers=AUTH, files=[("files", ("东坪镇卫生院（更新）.txt", V2.encode()))])
    [(outcome, row)] = _rows(second.text)
    assert outcome == "replaced"
    assert "已入库（替换旧版本）" in row and "旧版本保留可查" in row
    notice_id = re.search(r'href="/notices/(\w+)"', row).group(1)
    assert client.get(f"/api/notices/{notice_id}").json()["notice"]["version_count"] == 2
