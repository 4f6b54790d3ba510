"""The first run as a new user sees it: ``make``'s install steps print our own progress lines
(scripts/step.sh), and ``make run``'s entry point prints the start-up banner — URL, data folder,
counts, backend, model, whether writes are enabled — once the server listens."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from indexer.backends.base import IndexInfo
from indexer.child_process import free_port, start, stop, wait_until
from search_api.banner import banner
from search_api.settings import load_api_settings

ROOT = Path(__file__).resolve().parent.parent
STEP = ROOT / "scripts" / "step.sh"
START_TIMEOUT = 120  # seconds for ingesting the samples (model-free) and starting


def _step(env_every: str, *command: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STEP_EVERY": env_every}
    return subprocess.run(["sh", str(STEP), "sleeping a while", *command], capture_output=True, text=True,
                          env=env, timeout=30)


def test_install_step_says_what_and_how_long() -> None:
    done = _step("1", "sh", "-c", "echo pip noise; sleep 2.5")
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert lines[0] == "==> sleeping a while …"
    # the seconds are the wall clock's: a busy machine stretches them, so only their floor is checked
    assert any(re.fullmatch(r" {4}… sleeping a while: \d+s so far", line) for line in lines), lines
    finished = re.fullmatch(r" {4}done in (\d+)s", lines[-1])
    assert finished and int(finished.group(1)) >= 2, lines
    assert "pip noise" not in done.stdout + done.stderr  # the command's own output stays quiet


def test_failed_install_step_shows_the_command_output() -> None:
    done = _step("15", "sh", "-c", "echo 'ERROR: no matching distribution'; exit 3")
    assert done.returncode == 3
    assert "sleeping a while failed after" in done.stderr
    assert "ERROR: no matching distribution" in done.stderr


def test_makefile_installs_torch_first_through_the_step_script() -> None:
    recipe = (ROOT / "Makefile").read_text(encoding="utf-8")
    steps = [line for line in recipe.splitlines() if "$(STEP)" in line and "$(PIP)" in line]
    assert "torch==2.13.0" in steps[0] and "-e '.[test]'" in steps[1]
    assert "--quiet" in recipe


def _run_command(data: Path, port: int) -> list[str]:
    """``make run``'s recipe, as the Makefile has it, with this interpreter, a temp data folder and
    the model-free embedder (the real model's conversion is tested elsewhere)."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^run:.*\n\t(.+)$", makefile, re.M)
    assert recipe, "the Makefile has no run target"
    line = (recipe.group(1).replace("$(PY)", shlex.quote(sys.executable))
            .replace("$(HOST)", "127.0.0.1").replace("$(PORT)", str(port)))
    return [*shlex.split(line), "--data", str(data), "--model", "hashing"]


def test_make_run_prints_the_banner(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}
    env.update(PYTHONUNBUFFERED="1", XUNCHA_THREADS="1")
    log = tmp_path / "run.log"
    process = start(_run_command(tmp_path / "data", port), log_path=log, cwd=ROOT, env=env)
    try:
        # The banner comes once the server listens (its last line says who may read).
        wait_until(lambda: re.search(r"^  reads", log.read_text("utf-8"), re.M) is not None, process,
                   timeout=START_TIMEOUT, what="make run", log_path=log)
        text = log.read_text("utf-8")
        url = re.search(r"page +(http://\S+)/ ", text).group(1)
        assert url == f"http://127.0.0.1:{port}"
        assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200  # the page answers at that URL
        assert f"data     {(tmp_path / 'data').resolve()}" in text
        assert re.search(r"index +12 notices, \d+ issues \(embedded backend, model hashing", text)
        assert "writes   disabled: no API key is set" in text and "XUNCHA_API_KEY" in text
    finally:
        stop(process, first=signal.SIGINT)


def test_banner_with_the_api_key_says_writes_are_enabled() -> None:
    settings = load_api_settings({"XUNCHA_API_KEY": "k" * 32, "XUNCHA_PROTECT_READS": "1", "XUNCHA_PORT": "8080",
                                  "XUNCHA_HOST": "0.0.0.0"})
    info = IndexInfo("memory", "memory", None, None, None, 1, notices=0, issues=0, measures=0)
    text = banner(settings, info)
    assert "writes   enabled with the API key (XUNCHA_API_KEY); upload page: http://127.0.0.1:8080/upload" in text
    assert "sign in at http://127.0.0.1:8080/login" in text
    assert "in memory only" in text and f"model {settings.model}" in text
    assert "k" * 32 not in text  # the key itself is never printed


def test_serve_prints_the_banner_once_the_index_and_model_have_loaded() -> None:
    from search_api.app import create_app
    from search_api.banner import announce_when_ready

    settings = load_api_settings({}, backend="memory", model="hashing")
    app = create_app(settings)  # ``serve``: the backend and model load in the background
    printed: list[str] = []
    thread = announce_when_ready(app, printed.append, timeout=60)
    assert printed == []  # nothing is ready before the service starts loading
    app.state.search.start()
    thread.join(60)
    assert len(printed) == 1 and printed[0].startswith("xuncha-search is ready")
    assert "index    0 notices, 0 issues (memory backend" in printed[0]


def test_serve_says_why_the_service_did_not_start() -> None:
    from search_api.app import create_app
    from search_api.banner import announce_when_ready

    app = create_app(load_api_settings({}, backend="memory", model="no-such-model-dir"))
    printed: list[str] = []
    thread = announce_when_ready(app, printed.append, timeout=60)
    app.state.search.start()
    thread.join(60)
    assert len(printed) == 1 and printed[0].startswith("xuncha-search could not start its search service: ")
