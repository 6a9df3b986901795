"""Goods arriving wake the sales waiting for them: a worker (or, on SQLite, the committing process) checks them."""
from .test_stock_actions import receive, run


def postgresql(database):
    return database.engine.dialect.name == "postgresql"


def state_of(database, sale_id):
    with database.transaction() as env:
        return env["sale.sale"].browse([sale_id])[0].state


def checks(database):
    with database.transaction() as env:
        return [(j.args, j.job_lock, j.user) for j in env["queue.job"].search([("task", "=", "sale_automation.check")])]


def test_a_watched_sale_is_fulfilled_after_a_receipt_with_no_command_run(database, shop, workers, wait_for):
    with database.transaction() as env:
        s = shop(env)
        sale = s.sale(state="processing")
        other = s.sale(state="processing", product=s.gift)   # waits for gifts: not woken by lamps
        s.rule([{"type": "fulfil"}], name="ship")
        assert [log.outcome for log in run(env)] == ["watching", "watching"]
    if postgresql(database):
        workers.start(database)
    with database.transaction() as env:
        receive(env, s, s.lamp, 5)   # (s's records give their ids)
    # Nobody runs kitwork automate: on SQLite the check ran when the receipt committed, on PostgreSQL a worker runs it.
    wait_for(lambda: state_of(database, sale.id) == "done", what="the sale fulfilled by the background check")
    assert state_of(database, other.id) == "processing"
    assert checks(database) == [({"sales": [sale.id]}, "sale_automation.check", None)]   # as the system
    with database.transaction() as env:
        assert [(w.rule.name, w.sale.id) for w in env["sale.automation.watch"].search([])] == [("ship", other.id)]


def test_a_transfer_done_wakes_the_sales_of_the_warehouse_it_fills(database, shop, workers, wait_for):
    with database.transaction() as env:
        s = shop(env)
        sale = s.sale(state="processing")
        s.rule([{"type": "fulfil"}], name="ship")
        run(env)
        s.stock(s.lamp, 5, warehouse=s.wh2)   # lamps, but in WH2: checked, still waiting
    with database.transaction() as env:
        Shipment = env["stock.shipment.internal"]
        transfer, = Shipment.create([{"from_location": s.wh2.id, "to_location": s.wh.id,
                                      "moves": [{"product": s.lamp.id, "quantity": 2, "unit": s.unit}]}])
        Shipment.assign([transfer])
        Shipment.done([transfer])
    if postgresql(database):
        workers.start(database)
    wait_for(lambda: state_of(database, sale.id) == "done", what="the sale fulfilled after the transfer")


def test_a_second_check_finds_nothing_to_do(database, shop, run_jobs):
    with database.transaction() as env:
        s = shop(env)
        sale = s.sale(state="processing")
        s.stock(s.lamp, 5)
        s.rule([{"type": "fulfil"}], name="ship")
        env.defer("sale_automation.check", sales=[sale.id, 99999])
        env.defer("sale_automation.check", sales=[sale.id])
    if postgresql(database):
        run_jobs(database)
    with database.transaction() as env:
        assert [(j.state, j.error) for j in env["queue.job"].search([("task", "=", "sale_automation.check")])] == [
            ("succeeded", None)] * 2
        assert [log.outcome for log in env["sale.automation.log"].search([])] == ["applied"]


def test_the_periodic_sweep_checks_the_watch_list(database, shop, run_jobs):
    with database.transaction() as env:
        s = shop(env)
        s.stock(s.lamp, 5)
        sale = s.sale(state="confirmed")
        s.rule([{"type": "fulfil"}], name="ship")   # no event: only runs check it
        assert [log.outcome for log in run(env)] == ["watching"]   # confirmed: nothing to ship yet
        env["sale.sale"].process([sale])   # now it could ship, and no goods arrive to wake it
    assert state_of(database, sale.id) == "processing"
    with database.transaction() as env:
        env.defer("sale_automation.sweep")
    if postgresql(database):
        run_jobs(database)
    assert state_of(database, sale.id) == "done"


def test_stock_found_by_an_inventory_wakes_the_waiting_sales(database, shop, run_jobs):
    with database.transaction() as env:
        s = shop(env)
        sale = s.sale(state="processing")
        s.rule([{"type": "fulfil"}], name="ship")
        assert [log.outcome for log in run(env)] == ["watching"]
    with database.transaction() as env:   # the count finds 5 lamps the moves did not know of
        Inventory = env["stock.inventory"]
        inventory, = Inventory.create([{"warehouse": s.wh.id, "lines": [{"product": s.lamp.id, "quantity": 5}]}])
        Inventory.confirm([inventory])
    if postgresql(database):
        run_jobs(database)
    assert checks(database) == [({"sales": [sale.id]}, "sale_automation.check", None)]
    assert state_of(database, sale.id) == "done"
