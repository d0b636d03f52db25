"""Registers the tool tests' fixtures; they live in tools_harness.py (see there)."""

from tools_harness import kube

__all__ = ["kube"]
