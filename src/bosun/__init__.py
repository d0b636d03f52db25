"""Bosun: AI agents on Kubernetes as first-class resources (kagent.dev compatible).

Packages and who may import whom (enforced by import-linter, see pyproject.toml):
`api` is imported by all and imports none of them; `controller` (translate, kube, local),
`server` and `runtime` meet only through `api` and over HTTP. See docs/architecture.md.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bosun")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0"
