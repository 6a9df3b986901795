"""The background jobs over a real ``kitwork serve``: queue.job read-only, queue.schedule editable and checked."""
import pytest

from .conftest import add_user, httpx


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("stock_reorder", "web")


def test_jobs_and_schedules_are_published(database, kitwork_serve):
    key = add_user(database, "root", groups=["admin"])
    clerk = add_user(database, "clerk", groups=["clerks"], access=[("clerks", "queue.job", ["read"])])
    outsider = add_user(database, "outsider")
    with database.transaction() as env:
        job_id = env.defer("stock_reorder.replenish", schedule_in=3600)
    url = kitwork_serve(database)
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as client:
        names = {m["name"] for m in client.get("/api/models").json()}
        assert {"queue.job", "queue.schedule"} <= names
        job, = client.get("/api/queue.job").json()
        assert (job["id"], job["task"], job["args"], job["state"], job["attempts"]) == (
            job_id, "stock_reorder.replenish", {}, "todo", 0)
        for response in (client.post("/api/queue.job", json=[{}]), client.delete(f"/api/queue.job/{job_id}")):
            assert response.status_code == 403 and "queue.job is read-only" in response.json()["detail"]
        assert client.patch(f"/api/queue.job/{job_id}", json={"state": "failed"}).status_code == 422   # read-only
        schedule, = client.get("/api/queue.schedule").json()
        assert (schedule["task"], schedule["cron"], schedule["active"]) == (
            "stock_reorder.replenish", "0 6 * * *", True)
        refused = client.patch(f"/api/queue.schedule/{schedule['id']}", json={"cron": "0 6 * *"})
        assert refused.status_code == 422 and "cron" in refused.json()["errors"]
        changed = client.patch(f"/api/queue.schedule/{schedule['id']}", json={"cron": "30 5 * * *"})
        assert changed.status_code == 200 and changed.json()["next_run"].endswith("05:30:00")
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {clerk}"}, timeout=60) as client:
        assert [j["id"] for j in client.get("/api/queue.job").json()] == [job_id]   # may read the jobs
        assert client.get("/api/queue.schedule").status_code == 403                 # not the schedules
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {outsider}"}, timeout=60) as client:
        assert client.get("/api/queue.job").status_code == 403
    with database.transaction() as env:
        assert [j.state for j in env["queue.job"].search([])] == ["todo"]
        assert [s.cron for s in env["queue.schedule"].search([])] == ["30 5 * * *"]
