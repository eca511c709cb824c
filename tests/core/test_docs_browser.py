"""/docs renders in a real headless browser that can reach nothing but loopback."""

import shutil
import subprocess

import pytest

from tests.support.service import live_service, settings_for

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Every host name fails to resolve: a page needing a CDN cannot render.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--virtual-time-budget=15000",
    "--dump-dom",
]


def test_docs_ui_renders_offline(home, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (scripts/install-test-deps adds it)")

    with live_service(settings_for(home)) as service:
        result = subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={tmp_path / 'profile'}",
                f"{service.url}/docs",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )

    dom = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    assert 'class="swagger-ui' in dom
    assert "opblock" in dom  # one block per rendered operation
    assert "/api/accounts" in dom
