"""genai-prices without its price table, for `bosun agent` (called by `bosun.runtime.app`).

pydantic-ai uses genai-prices twice per LLM response: to read the token usage out of the
provider's answer (the provider's usage extractors) and to price it (the provider's
models and their prices). Bosun uses the usage, never the price (the model gateway meters
cost on its side), yet the price table is ~4 MB of objects in every agent, and pricing a
model it does not list (any self-hosted or renamed model) walks every model's match rules
on each response. `keep_usage_only` installs a snapshot with every provider and its
usage extractors but no models: usage is read as before, pricing finds no model (the
cost stays None, as for any unknown model) at once, and the table is freed.

Only in a process of the agent's own (`own_process`): the snapshot is global, and a
process that also runs the control plane (tests) may want prices.
"""

from __future__ import annotations

import dataclasses
import sys


def keep_usage_only() -> None:
    """Replace genai-prices' bundled data by its providers without their models."""
    import genai_prices
    from genai_prices import data_snapshot

    if getattr(data_snapshot, "_custom_snapshot", None) is not None:
        return  # someone chose a snapshot already
    from genai_prices.data import providers

    trimmed = [dataclasses.replace(provider, models=[]) for provider in providers]
    data_snapshot.set_custom_snapshot(
        data_snapshot.DataSnapshot(providers=trimmed, from_auto_update=False)
    )
    # Nothing else refers to the full table: dropping the module frees it.
    sys.modules.pop("genai_prices.data", None)
    if hasattr(genai_prices, "data"):
        delattr(genai_prices, "data")
