"""Hatch build hook: a wheel carries the web UI's build (src/bosun/server/ui_dist).

Builds it with scripts/build-ui.sh when it is missing and npm is there; otherwise the
wheel is built without a UI and the control plane answers `/` with a page saying how to
build one (never a 404).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class UiBuildHook(BuildHookInterface):  # type: ignore[misc]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        index = root / "src" / "bosun" / "server" / "ui_dist" / "index.html"
        script = root / "scripts" / "build-ui.sh"
        if not index.is_file() and script.is_file() and shutil.which("npm"):
            # Not fatal: a package without its UI still serves the API (and says so at /).
            result = subprocess.run(["bash", str(script)], cwd=root, check=False)
            if result.returncode != 0:
                self.app.display_warning("the web UI build failed (scripts/build-ui.sh)")
        if not index.is_file():
            self.app.display_warning("building without the web UI (no ui_dist; npm missing?)")
