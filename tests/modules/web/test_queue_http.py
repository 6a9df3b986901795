"""The background jobs over HTTP: queue.job read-only, queue.schedule editable and checked."""
import pytest

from .conftest import add_user


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("stock_reorder", "web")


def test_jobs_and_schedules_are_published(database, serve):
    key = add_user(database, "root", groups=["admin"])
    with database.transaction() as env:
        job_id = env.defer("stock_reorder.replenish", schedule_in=3600)
    client = serve(database).client(key)
    names = {m["name"] for m in client.get("/api/models").json()}
    assert {"queue.job", "queue.schedule"} <= names
    job, = client.get("/api/queue.job").json()
    assert (job["id"], job["task"], job["args"], job["state"], job["attempts"]) == (
        job_id, "stock_reorder.replenish", {}, "todo", 0)
    for response in (client.post("/api/queue.job", json=[{}]), client.delete(f"/api/queue.job/{job_id}")):
        assert response.status_code == 403 and "queue.job is read-only" in response.json()["detail"]
    assert client.patch(f"/api/queue.job/{job_id}", json={"state": "failed"}).status_code == 422   # read-only field
    schedule, = client.get("/api/queue.schedule").json()
    assert (schedule["task"], schedule["cron"], schedule["active"]) == ("stock_reorder.replenish", "0 6 * * *", True)
    refused = client.patch(f"/api/queue.schedule/{schedule['id']}", json={"cron": "0 6 * *"})
    assert refused.status_code == 422 and "cron" in refused.json()["errors"]
    changed = client.patch(f"/api/queue.schedule/{schedule['id']}", json={"cron": "30 5 * * *"})
    assert changed.status_code == 200 and changed.json()["next_run"].endswith("05:30:00")
    with database.transaction() as env:
        assert [j.state for j in env["queue.job"].search([])] == ["todo"]
