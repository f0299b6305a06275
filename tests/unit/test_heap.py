import gc

from hub import heap
from hub.catalogs.adminunits import admin_catalog


def test_settling_loads_the_catalogs_and_sets_what_lives_aside():
    try:
        heap.settle()
        assert admin_catalog.cache_info().currsize == 1
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
