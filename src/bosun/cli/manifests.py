"""`bosun validate`, `bosun render` and `bosun crds`: manifests for GitOps review and CI.

Registered by bosun.cli.main. Heavy imports (pydantic models, the translator) happen inside
the commands. Results go to stdout, problems to stderr; exit 1 when anything is wrong.
"""

from __future__ import annotations

from pathlib import Path

import typer

FILES_HELP = "Manifest file or directory (repeatable); directories as kubectl apply -f."


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
    app.command("render")(render)
    app.command("crds")(crds)


def _file_of(source: str) -> str:
    """'dir/a.yaml#2.items[0]' -> 'dir/a.yaml'."""
    return source.split("#", 1)[0].split(".items[", 1)[0]


def validate(
    files: list[Path] = typer.Option(..., "--filename", "-f", help=FILES_HELP),
    recursive: bool = typer.Option(False, "--recursive", "-R", help="Descend into folders."),
    external_refs: bool = typer.Option(
        False,
        "--external-refs",
        help="References to objects not in the files are warnings (they live in the cluster).",
    ),
) -> None:
    """Check manifests: schema, cross-field rules and references within the set."""
    from bosun.api.manifests import iter_manifest_files, load_manifests
    from bosun.controller.translate import check_set

    manifests = load_manifests(files, recursive=recursive)
    result = check_set(manifests, external_refs=external_refs)
    by_file: dict[str, list[str]] = {}
    for problem in result.problems:
        by_file.setdefault(_file_of(problem.source), []).append(str(problem))
    names = [str(p) for p in iter_manifest_files(files, recursive=recursive)]
    for name in names + [n for n in by_file if n not in names]:
        problems = by_file.get(name, [])
        errors = [p for p in result.problems if _file_of(p.source) == name and not p.warning]
        status = "invalid" if errors else "ok"
        line = f"{status:<8}{name}" if name else status
        typer.echo(line, err=bool(errors))
        for text in problems:
            typer.echo(f"  {text}", err=True)
    count = len(result.errors)
    warnings = len(result.problems) - count
    summary = f"{len(names)} file(s), {count} error(s), {warnings} warning(s)"
    typer.echo(summary, err=bool(count))
    if count:
        raise typer.Exit(1)


def render(
    files: list[Path] = typer.Option(..., "--filename", "-f", help=FILES_HELP),
    recursive: bool = typer.Option(False, "--recursive", "-R", help="Descend into folders."),
    runtime_image: str | None = typer.Option(None, help="Agent runtime image."),
    mcp_runner_image: str | None = typer.Option(None, help="Image for npx/uvx MCP servers."),
) -> None:
    """Print the Kubernetes objects the controller would create, as YAML."""
    from dataclasses import replace

    from bosun.api.manifests import load_manifests
    from bosun.controller.translate import TranslateOptions, check_set
    from bosun.controller.translate.yamlout import render_outputs

    options = TranslateOptions()
    if runtime_image:
        options = replace(options, runtime_image=runtime_image)
    if mcp_runner_image:
        options = replace(options, mcp_runner_image=mcp_runner_image)
    manifests = load_manifests(files, recursive=recursive)
    result = check_set(manifests, options=options)
    for problem in result.problems:
        typer.echo(str(problem), err=True)
    text = render_outputs(result.outputs, manifests.sources)
    if text:
        typer.echo(text, nl=False)
    if result.errors:
        raise typer.Exit(1)


def crds(
    output_dir: Path = typer.Option(
        Path("charts/bosun-crds/templates"), "--output-dir", "-o", help="Where to write."
    ),
    check: bool = typer.Option(
        False, "--check", help="Write nothing; exit 1 if the files differ from the models."
    ),
) -> None:
    """Write the CRD YAML generated from Bosun's models (one file per kind)."""
    from bosun.api.crd import crd_files

    stale = []
    for name, text in crd_files().items():
        path = output_dir / name
        current = path.read_text() if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not check:
            output_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            typer.echo(f"wrote {path}")
    if check and stale:
        for path in stale:
            typer.echo(f"out of date: {path} (run `bosun crds`)", err=True)
        raise typer.Exit(1)
    if not stale:
        typer.echo(f"{output_dir}: up to date")
