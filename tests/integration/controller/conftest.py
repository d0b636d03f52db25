"""Fixtures of the operator tests; the harness itself is controller_harness.py.

Test modules import helpers from `controller_harness`, never from `conftest`: several
test folders have a conftest.py, and which one `import conftest` finds depends on order.
"""

from controller_harness import cluster, operator, tool_server

__all__ = ["cluster", "operator", "tool_server"]
