"""The control plane's probes: /healthz (alive) and /readyz (ready), with the gates that
`bosun up` and `bosun controlplane` add, answered without a token like Kubernetes probes."""

from __future__ import annotations

from server_harness import Plane


async def test_readyz_follows_the_gates(plane: Plane) -> None:
    assert (await plane.http.get("/healthz")).json() == {"status": "ok"}
    assert (await plane.http.get("/readyz")).json() == {"status": "ready", "reasons": []}

    readiness = plane.app.state.readiness
    readiness.wait_for("manifests", "starting: applying the manifests of examples/")
    waiting = await plane.http.get("/readyz")
    assert waiting.status_code == 503
    assert waiting.json()["reasons"] == ["starting: applying the manifests of examples/"]
    assert (await plane.http.get("/healthz")).status_code == 200  # alive all along

    readiness.done("manifests")
    assert (await plane.http.get("/readyz")).status_code == 200

    readiness.fail("controller", "the operator stopped: Forbidden")
    failed = await plane.http.get("/readyz")
    assert failed.status_code == 503 and failed.json()["reasons"] == [
        "the operator stopped: Forbidden"
    ]
