"""What the browser tests need, installed by the tests themselves (the README's test command stays
the only command): Debian's ``chromium`` (and a small CJK font, so screenshots are readable) from
apt, and Playwright-python from pip when it is not importable (it is in the ``test`` extras).

No browser build is ever downloaded: Playwright drives Debian's Chromium through
``executable_path``; its own browser download is switched off.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CJK_FONT_DIR = Path("/usr/share/fonts/truetype/wqy")
APT_PACKAGES = ("chromium", "fonts-wqy-microhei")
LAUNCH_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
)


class BrowserSetupError(RuntimeError):
    """Chromium or Playwright could not be made available; the message says what to do."""


def _apt_install(packages: tuple[str, ...]) -> None:
    if os.geteuid() != 0:
        raise BrowserSetupError(
            f"{CHROMIUM} is missing and this user cannot install it: run "
            f"`sudo apt-get install -y {' '.join(packages)}` (Debian's package; no browser is downloaded)")
    if shutil.which("apt-get") is None:
        raise BrowserSetupError(f"{CHROMIUM} is missing and apt-get is not available: install Debian's chromium")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *packages]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
            raise BrowserSetupError(f"`{' '.join(command)}` failed (exit {done.returncode}):\n{tail}")


def ensure_chromium() -> Path:
    """Debian's Chromium (and the CJK font), installed with apt when missing."""
    missing = []
    if not CHROMIUM.exists():
        missing.append("chromium")
    if not CJK_FONT_DIR.exists():
        missing.append("fonts-wqy-microhei")
    if missing:
        try:
            _apt_install(tuple(missing))
        except BrowserSetupError:
            if "chromium" in missing:
                raise
            # without the font the page still works; only the screenshots show boxes for Chinese
    if not CHROMIUM.exists():
        raise BrowserSetupError(f"apt-get installed chromium, but {CHROMIUM} is still missing")
    return CHROMIUM


def ensure_playwright() -> None:
    """Playwright-python importable (pip-installed when missing; it brings its own driver)."""
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    try:
        importlib.import_module("playwright.sync_api")
        return
    except ImportError:
        pass
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           "playwright"], capture_output=True, text=True, timeout=1200)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
        raise BrowserSetupError(f"pip could not install playwright (exit {done.returncode}):\n{tail}")
    importlib.invalidate_caches()
    importlib.import_module("playwright.sync_api")


def ensure_browser() -> Path:
    """Everything the browser tests need; raises BrowserSetupError with a hint otherwise."""
    ensure_playwright()
    return ensure_chromium()
