"""Bosun's container image names: the one place their default repository and tag are set.

The translator's `TranslateOptions` defaults (agent pods, stdio MCPServer pods) come from
here; the Helm chart sets the same names from `image.repository`/`image.tag` (its tag
defaulting to the chart's appVersion, which is this package's version) and passes them to
the operator as BOSUN_RUNTIME_IMAGE/BOSUN_MCP_RUNNER_IMAGE. The tag is the package
version, never `latest`: a moving tag would roll pods to whatever was pushed last.
The Dockerfile at the repository root builds both images.
"""

from __future__ import annotations

from bosun import __version__

REPOSITORY = "ghcr.io/bosun-dev/bosun"
MCP_RUNNER_REPOSITORY = f"{REPOSITORY}-mcp-runner"
TAG = __version__

RUNTIME_IMAGE = f"{REPOSITORY}:{TAG}"
"""`bosun agent` (and every other role: the image's command picks it)."""
MCP_RUNNER_IMAGE = f"{MCP_RUNNER_REPOSITORY}:{TAG}"
"""The same image plus Node (npx) and uv (uvx), for stdio MCP servers."""
