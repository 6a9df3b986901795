"""stock_reorder.replenish: the scheduler as background work, one job per warehouse; a second run orders nothing."""
import io

import pytest

from core import cli

from .test_warehouses import Sites, ordered


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("sale", "stock_reorder")


def replenish_jobs(database):
    with database.transaction() as env:
        return [(j.args, j.queueing_lock, j.job_lock, j.state)
                for j in env["queue.job"].search([("task", "=", "stock_reorder.replenish")])]


def test_the_periodic_run_orders_per_warehouse_and_again_nothing_more(database, run_jobs):
    with database.transaction() as env:
        sites = Sites(env)
        sites.rule(sites.lamp, sites.central, min_quantity=5, max_quantity=20)
        sites.rule(sites.lamp, sites.shop, min_quantity=2, max_quantity=8)
        sites.rule(sites.chair, sites.shop, route="transfer", source_warehouse=sites.central.id,
                   transfer_lead_time=1, min_quantity=4, max_quantity=6)
        sites.rule(sites.chair, sites.central, min_quantity=0, max_quantity=10, trigger="manual")
        central, shop = sites.central.id, sites.shop.id
        env.defer("stock_reorder.replenish")
    run_jobs(database)
    expected = {("WH", "Lamp", "buy"): 20.0, ("SHOP", "Lamp", "buy"): 8.0, ("SHOP", "Chair", "transfer"): 6.0}
    with database.transaction() as env:
        assert ordered(env) == expected
    keys = {w: f"stock_reorder.replenish:{w}" for w in (central, shop)}
    assert replenish_jobs(database) == [({}, None, None, "succeeded")] + [
        ({"warehouse": w}, keys[w], keys[w], "succeeded") for w in sorted(keys)]
    with database.transaction() as env:
        env.defer("stock_reorder.replenish")
    run_jobs(database)
    with database.transaction() as env:
        assert ordered(env) == expected   # the second run found nothing to order
    assert len(replenish_jobs(database)) == 6


def test_a_job_for_a_location_that_is_no_warehouse_fails_and_says_so(database, run_jobs):
    with database.transaction() as env:
        sites = Sites(env)
        env.defer("stock_reorder.replenish", warehouse=sites.central.storage_location.id)
    run_jobs(database)
    with database.transaction() as env:
        job, = env["queue.job"].search([])
        assert job.state == "failed" and "is not the id of a warehouse" in job.error


def test_kitwork_replenish_runs_in_the_foreground_and_queues_nothing(database):
    with database.transaction() as env:
        sites = Sites(env)
        sites.rule(sites.lamp, sites.central, min_quantity=5, max_quantity=20)
    out = io.StringIO()
    assert cli.main(["replenish", "--db", database.url], out=out) == 0
    assert "1 purchase line(s)" in out.getvalue() and replenish_jobs(database) == []
