"""The demo's users chapter."""
from core import errors


def demo(database, out):
    """The demo's chapter: a clerk who may read products but not create them."""
    if "product" not in database.active_modules:
        return
    with database.transaction() as env:
        clerks, = env["res.group"].create([{"name": "clerks", "access": [
            {"model": "product.product", "perm_read": True}]}])
        clerk, = env["res.user"].create([{"login": "clerk", "name": "Clara Clerk", "groups": [clerks.id]}])
        env["res.user"].new_key([clerk])
        out.write(f"user {clerk.login} in group {clerks.name}, with an API key (only its digest is stored)\n")
    with database.transaction(user="clerk") as env:
        Product = env["product.product"]
        out.write(f"as clerk: {Product.search_count([])} product(s) readable\n")
        try:
            Product.create([{"name": "Forbidden lamp"}])
        except errors.AccessError as exc:
            out.write(f"as clerk, creating a product is refused: {exc}\n")
