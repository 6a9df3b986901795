"""The one sale configuration the controls read cannot be doubled or deleted."""
import pytest

from core import errors


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("sale_control")


def test_the_sale_configuration_is_one_record(database):
    with database.transaction() as env:
        Configuration = env["sale.configuration"]
        config = Configuration.get()
        with pytest.raises(errors.AccessError, match="one record"):
            Configuration.create([{"control_mode": "block"}])
        with pytest.raises(errors.AccessError, match="cannot be deleted"):
            Configuration.delete([config])
        assert Configuration.search([]) == [config]
        assert Configuration.modes() == {"quantity": "warn", "threshold_price": "warn", "margin": "warn"}
