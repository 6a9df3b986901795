"""A real server: uvicorn on 127.0.0.1 and a free port, in a thread, serving a throw-away database; or a real
``kitwork serve`` process."""
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

pytest.importorskip("starlette")
uvicorn = pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    """A running server: ``url``, and ``client(key)`` -> an httpx client sending that key."""

    def __init__(self, database):
        from modules.web.app import create_app
        self.database = database
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(database.url), host="127.0.0.1", port=self.port,
                                log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.02)
        self.clients = []

    def client(self, key=None):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        client = httpx.Client(base_url=self.url, headers=headers, timeout=60)
        self.clients.append(client)
        return client

    def stop(self):
        for client in self.clients:
            client.close()
        self.server.should_exit = True
        self.thread.join(timeout=20)


def add_user(database, login, groups=(), access=()):
    """A user in new or existing groups; ``access``: (group, model, perms) rows; returns its key."""
    with database.transaction() as env:
        Group = env["res.group"]
        ids = []
        for name in groups:
            found = Group.search([("name", "=", name)])
            ids.append(found[0].id if found else Group.create([{"name": name}])[0].id)
        by_name = {g.name: g.id for g in Group.browse(ids)}
        env["ir.model.access"].create([{"group": by_name[group], "model": model,
                                        **{f"perm_{p}": True for p in perms}} for group, model, perms in access])
        user, = env["res.user"].create([{"login": login, "groups": ids}])
        return env["res.user"].new_key([user])[user.id]


@pytest.fixture
def serve():
    running = []

    def start(database):
        served = Served(database)
        running.append(served)
        return served
    yield start
    for served in running:
        served.stop()


def start_serve(database, port, workers, *options):
    """A real ``kitwork serve`` process on ``port``, and its first answer (the OpenAPI document) once it serves."""
    process = subprocess.Popen(
        [sys.executable, "-c", "from core.cli import run; run()", "serve", "--db", database.url,
         "--port", str(port), "--workers", str(workers), *options], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True)
    deadline = time.monotonic() + 60
    while True:
        try:
            return process, httpx.get(f"http://127.0.0.1:{port}/api/openapi.json", timeout=5)
        except httpx.TransportError:
            if time.monotonic() > deadline or process.poll() is not None:
                os.killpg(process.pid, signal.SIGTERM)
                raise AssertionError(process.communicate(timeout=30)[1].decode())
            time.sleep(0.2)


@pytest.fixture
def kitwork_serve():
    """``kitwork_serve(database, workers=1)``: a real ``kitwork serve`` process; its base URL.  Stopped after the test."""
    running = []

    def start(database, workers=1):
        port = free_port()
        process, _ = start_serve(database, port, workers)
        running.append(process)
        return f"http://127.0.0.1:{port}"
    yield start
    for process in running:
        os.killpg(process.pid, signal.SIGTERM)
        process.communicate(timeout=30)
