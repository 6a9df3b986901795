"""What the product_kit tests share: each runs for sale and for purchase lines."""
import pytest


@pytest.fixture(params=["purchase", "sale"])
def kind(request):
    """The order kind a test runs for: product_kit works alike on both."""
    return request.param


@pytest.fixture
def bom_db(kitwork_database, kind):
    return kitwork_database("product_kit", kind)
