from core import hookimpl


@hookimpl
def core_modules_activated(env, modules):
    """Give a new database its warehouse and the locations goods come from and go to."""
    if "stock" not in modules:
        return
    Location = env["stock.location"]
    zones = Location.create_unchecked([{"name": "Storage", "code": "STO", "type": "storage"},
                                       {"name": "Input", "code": "IN", "type": "storage"},
                                       {"name": "Output", "code": "OUT", "type": "storage"}])
    _, _, lost_found = Location.create_unchecked([{"name": "Supplier", "code": "SUP", "type": "supplier"},
                                                  {"name": "Customer", "code": "CUS", "type": "customer"},
                                                  {"name": "Lost and found", "code": "LOST", "type": "lost_found"}])
    warehouse, = Location.create_unchecked([{"name": "Warehouse", "code": "WH", "type": "warehouse",
                                             "storage_location": zones[0].id, "input_location": zones[1].id,
                                             "output_location": zones[2].id, "lost_found_location": lost_found.id}])
    Location.write_unchecked(zones, {"parent": warehouse.id})
