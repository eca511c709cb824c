"""The `mailing-manager` command, run as a real subprocess."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.service import free_port

ROOT = Path(__file__).resolve().parents[2]


def _usual_umask() -> None:
    os.umask(0o022)  # what most shells give: files readable by everyone


def run_cli(home, *args, stdin=None, env=None, timeout=60):
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith("MAILING_MANAGER_")
    }
    environment.update(MAILING_MANAGER_HOME=str(home), PYTHONPATH=str(ROOT))
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        preexec_fn=_usual_umask,
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=timeout,
        cwd=ROOT,
    )


def test_help_lists_the_commands(tmp_path):
    result = run_cli(tmp_path, "--help")

    assert result.returncode == 0
    for command in ("server", "init", "token", "db", "accounts", "mcp", "worker"):
        assert command in result.stdout
    assert run_cli(tmp_path, "accounts", "add", "--help").returncode == 0


def test_token_before_any_start_says_how_to_get_one(tmp_path):
    result = run_cli(tmp_path / "home", "token")

    assert result.returncode == 1
    assert "mailing-manager init" in result.stderr
    assert "MAILING_MANAGER_HOME" in result.stderr
    assert not (tmp_path / "home" / "api-token").exists()


def test_init_then_token(tmp_path):
    init = run_cli(tmp_path / "home", "init")
    token = run_cli(tmp_path / "home", "token")
    tmp_path = tmp_path / "home"

    assert init.returncode == 0, init.stderr
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["webhooks"]["port"] == 3100
    stored = (tmp_path / "api-token").read_text().strip()
    assert token.stdout.strip() == stored
    assert stored not in init.stdout + init.stderr
    assert (tmp_path / "api-token").stat().st_mode & 0o777 == 0o600
    # Everything in the home is private, whatever the caller's umask.
    assert tmp_path.stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "config.json").stat().st_mode & 0o777 == 0o600


def test_bad_config_stops_with_the_key_and_file(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"webhooks": {"port": "x"}}))

    result = run_cli(tmp_path, "server")

    assert result.returncode == 2
    assert "webhooks.port" in result.stderr
    assert str(tmp_path / "config.json") in result.stderr


def test_accounts_add_reads_the_password_from_stdin(tmp_path):
    added = run_cli(
        tmp_path,
        "accounts",
        "add",
        "--name",
        "Work",
        "--email",
        "me@example.com",
        "--imap-host",
        "127.0.0.1",
        "--smtp-host",
        "127.0.0.1",
        "--imap-security",
        "none",
        "--smtp-security",
        "none",
        "--password-stdin",
        stdin="pa55-word\n",
    )
    listed = run_cli(tmp_path, "accounts", "list")

    assert added.returncode == 0, added.stderr
    account_id = added.stdout.strip()
    assert account_id.startswith("acc_")
    assert f"{account_id}\tWork\tme@example.com" in listed.stdout
    assert "pa55-word" not in added.stdout + added.stderr + listed.stdout


def test_server_starts_on_sqlite_with_no_config_and_says_where(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILING_MANAGER_")}
    env.update(MAILING_MANAGER_HOME=str(tmp_path), PYTHONPATH=str(ROOT))
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "server", "--port", str(port)],
        preexec_fn=_usual_umask,
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        health = _wait_for_health(f"http://127.0.0.1:{port}/healthz")
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)

    assert health == {"status": "ok", "version": health["version"]}
    assert (tmp_path / "mailing-manager.db").stat().st_mode & 0o777 == 0o600
    assert str(tmp_path / "secret.key") in output
    assert f"listening on http://127.0.0.1:{port}" in output
    assert str(tmp_path / "api-token") in output
    assert (tmp_path / "api-token").read_text().strip() not in output


def _wait_for_health(url: str) -> dict:
    deadline = time.monotonic() + 30
    while True:
        try:
            return httpx.get(url, timeout=2).json()
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_a_home_that_cannot_be_created_gives_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")

    result = run_cli(blocker / "home", "server")

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "MAILING_MANAGER_HOME" in result.stderr


def test_numeric_token_from_the_environment_is_kept_as_text(tmp_path):
    result = run_cli(tmp_path, "token", env={"MAILING_MANAGER_API__TOKEN": "123456"})

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "123456"
