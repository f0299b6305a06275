import gc

from hub.catalogs.adminunits import admin_catalog
from hub.infra import heap


def test_settling_loads_the_catalogs_and_sets_what_lives_aside():
    try:
        heap.settle(admin_catalog)
        assert admin_catalog.cache_info().currsize == 1
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
