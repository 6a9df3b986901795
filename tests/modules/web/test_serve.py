"""``kitwork serve``: a real process with two workers; a clear message without the web extra."""
import builtins
import io
import json
import os
import signal

import pytest

from core import cli

from .conftest import add_user, free_port, httpx, start_serve


def test_kitwork_serve_with_two_workers(kitwork_database):
    database = kitwork_database("party", "web")
    key = add_user(database, "root", groups=["admin"])
    port = free_port()
    process, response = start_serve(database, port, 2)
    try:
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


def test_operators_probe_health_read_metrics_of_every_worker_and_an_access_log(kitwork_database):
    database = kitwork_database("party", "web")
    key = add_user(database, "opal", groups=["admin"])
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process, _ = start_serve(database, port, 2, "--access-log", "--log-level", "info")
    try:
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        ready = httpx.get(f"{base}/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "ready"
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as client:
            for id_ in (1, 2, 3):
                assert client.get(f"/api/party.party/{id_}").status_code == 404
            assert all(client.get("/api/party.party").status_code == 200 for _ in range(20))
        with database.engine.begin() as connection:   # web's migration goes missing: not ready
            connection.exec_driver_sql("DELETE FROM alembic_version WHERE version_num = 'web_0001'")
        unready = httpx.get(f"{base}/readyz")
        assert unready.status_code == 503 and "run 'kitwork upgrade'" in unready.json()["detail"]
        with database.engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO alembic_version (version_num) VALUES ('web_0001')")
        for _ in range(6):   # whichever worker answers, it counts every worker's requests
            text = httpx.get(f"{base}/metrics").text
            assert 'kitwork_http_requests_total{method="GET",route="/api/{model}",status="200"} 20.0' in text
            assert 'kitwork_http_requests_total{method="GET",route="/api/{model}/{id}",status="404"} 3.0' in text
            assert 'kitwork_http_request_duration_seconds_count{method="GET",route="/api/{model}",status="200"} ' \
                   '20.0' in text
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode()
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    reads = [line for line in lines if line["path"] == "/api/party.party"]
    assert len(reads) == 20 and reads[0]["method"] == "GET" and reads[0]["status"] == 200
    assert reads[0]["login"] == "opal" and reads[0]["duration_ms"] >= 0
    assert {line["login"] for line in lines if line["path"] == "/healthz"} == {None}
    assert key not in output


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


def peak_memory(pid):
    """The process's peak resident memory (VmHWM), in bytes."""
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def upload(port, chunks, size=2 ** 20, headers=b""):
    """POST a chunked body of ``chunks`` chunks of ``size`` bytes (a party's name); the status line the server
    answers (None if it closed without one)."""
    import socket
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(b"POST /api/party.party HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n" + headers + b"\r\n")
        chunk = b"a" * size
        try:
            sock.sendall(b'b\r\n[{"name": "\r\n')
            for _ in range(chunks):
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sock.sendall(b'3\r\n"}]\r\n0\r\n\r\n')
        except (BrokenPipeError, ConnectionResetError):
            pass   # the server answered and closed before the end: what it should do
        try:
            return sock.recv(65536).split(b"\r\n", 1)[0].decode()
        except ConnectionResetError:
            return None


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads the server's memory from /proc")
def test_a_chunked_body_over_the_limit_is_refused_while_it_streams(kitwork_database):
    """A real ``kitwork serve``: 200 MiB sent chunked, without a key, never sit in the server's memory."""
    database = kitwork_database("party", "web")
    key = add_user(database, "root", groups=["admin"])
    port = free_port()
    process, _ = start_serve(database, port, 1)
    try:
        small = upload(port, 4, size=10, headers=f"Authorization: Bearer {key}\r\n".encode())
        assert small.startswith("HTTP/1.1 201"), small    # a chunked body within the limit is read
        before = peak_memory(process.pid)
        answer = upload(port, 200)
        grown = peak_memory(process.pid) - before
        assert answer is None or answer.startswith("HTTP/1.1 413"), answer
        assert grown < 64 * 2 ** 20, f"the server grew by {grown / 2 ** 20:.0f} MiB"   # the report: 397 MiB
        import socket
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:   # refused before reading
            sock.sendall(b"POST /api/party.party HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
                         b"\r\nContent-Length: %d\r\n\r\n[]" % (200 * 2 ** 20))
            assert sock.recv(65536).startswith(b"HTTP/1.1 413")
        assert peak_memory(process.pid) - before < 64 * 2 ** 20
        assert process.poll() is None
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.communicate(timeout=30)
    with database.transaction() as env:
        assert [p.name for p in env["party.party"].search([])] == ["a" * 40]
