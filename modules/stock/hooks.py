from core import hookimpl


@hookimpl
def core_modules_activated(env, modules):
    """Give a new database its warehouse and the locations goods come from and go to."""
    if "stock" not in modules:
        return
    Location = env["stock.location"]
    warehouse, = Location._create([{"name": "Warehouse", "code": "WH", "type": "warehouse"}])
    storage, input_, output = Location._create([
        {"name": "Storage", "code": "STO", "type": "storage", "parent": warehouse.id},
        {"name": "Input", "code": "IN", "type": "storage", "parent": warehouse.id},
        {"name": "Output", "code": "OUT", "type": "storage", "parent": warehouse.id}])
    Location._write([warehouse], {"storage_location": storage.id, "input_location": input_.id,
                                  "output_location": output.id})
    Location._create([{"name": "Supplier", "code": "SUP", "type": "supplier"},
                      {"name": "Customer", "code": "CUS", "type": "customer"},
                      {"name": "Lost and found", "code": "LOST", "type": "lost_found"}])
