"""Market metadata and price level structure updates (market_lifecycle_v2 `metadata_updated`,
`price_level_structure_updated`)."""

from __future__ import annotations

import pytest
from test_engine_helpers import D, bal, make_exchange, order

from sandbox.engine import EngineError, MarketLifecycle


def test_metadata_update_changes_the_market_and_names_the_fields():
    ex, _ = make_exchange()
    seen = []
    ex.listeners.append(seen.append)
    ex.update_market_metadata("TEST-1", yes_sub_title="above 3", floor_strike=D(3))
    m = ex.markets["TEST-1"]
    assert (m.yes_sub_title, m.floor_strike) == ("above 3", D(3))
    (e,) = [x for x in seen if isinstance(x, MarketLifecycle)]
    assert (e.kind, set(e.changed)) == ("metadata_updated", {"yes_sub_title", "floor_strike"})
    with pytest.raises(EngineError):
        ex.update_market_metadata("TEST-1")


def test_price_level_structure_switch_cancels_only_off_grid_orders():
    ex, _ = make_exchange()
    ex.update_price_level_structure("TEST-1", "deci_cent")
    fine = order(ex, "alice", "bid", "0.425", "2").order
    whole = order(ex, "alice", "bid", "0.41", "2").order
    ex.update_price_level_structure("TEST-1", "tapered_deci_cent")
    assert fine.status == "canceled" and fine.last_update_reason == "PriceLevelStructureCancel"
    assert whole.status == "resting"
    assert bal(ex, "alice") == D("1000") - D("0.82")
    m = ex.markets["TEST-1"]
    assert m.price_level_structure == "tapered_deci_cent" and len(m.price_ranges) == 3
    with pytest.raises(EngineError) as e:
        order(ex, "alice", "bid", "0.425", "1")
    assert e.value.code == "invalid_price"
    with pytest.raises(EngineError):
        ex.update_price_level_structure("TEST-1", "quarter_cent")
    ex.check_invariants()
