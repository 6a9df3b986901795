"""``kitwork serve``: a real process with two workers; a clear message without the web extra."""
import builtins
import io
import os
import signal
import subprocess
import sys
import time

import pytest

from core import cli

from .conftest import add_user, free_port, httpx


def test_kitwork_serve_with_two_workers(kitwork_database):
    database = kitwork_database("party", "web")
    key = add_user(database, "root", groups=["admin"])
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", "from core.cli import run; run()", "serve", "--db", database.url,
         "--port", str(port), "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/openapi.json", timeout=5)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError(process.stderr.read().decode() if process.poll() is not None else "no start")
                time.sleep(0.2)
        assert response.status_code == 200 and "party.party" in response.json()["components"]["schemas"]
        headers = {"Authorization": f"Bearer {key}"}
        created = httpx.post(f"http://127.0.0.1:{port}/api/party.party", json=[{"name": "Alder"}], headers=headers)
        assert created.status_code == 201, created.text
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode()
    assert f"http://127.0.0.1:{port}/api/openapi.json" in output and "2 worker(s)" in output
    with database.transaction() as env:
        assert [p.name for p in env["party.party"].search([])] == ["Alder"]


def test_serve_says_which_extra_is_missing(kitwork_database, monkeypatch, capsys):
    database = kitwork_database("party", "web")
    real_import = builtins.__import__

    def without_uvicorn(name, *args, **kwargs):
        if name == "uvicorn":
            raise ImportError("No module named 'uvicorn'", name="uvicorn")
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", without_uvicorn)
    assert cli.main(["serve", "--db", database.url], out=io.StringIO()) == 1
    assert "pip install 'kitwork[web]'" in capsys.readouterr().err


def test_serve_refuses_a_database_without_web(kitwork_database, capsys):
    database = kitwork_database("party")
    assert cli.main(["serve", "--db", database.url], out=io.StringIO()) == 1
    assert "web is not active" in capsys.readouterr().err
