# The two commands of the README. Everything else is a helper for them.
export PATH := $(CURDIR)/.tools/bin:$(PATH)
.PHONY: up test lint unit crds

up:  ## install Bosun and run it locally with the examples (scripted fake LLM, no API key)
	@scripts/bootstrap.sh
	uv run bosun up --mock-llm

test:  ## install what the tests need and run the whole suite with the checks
	@scripts/bootstrap.sh --test
	$(MAKE) lint
	uv run pytest -q -n 2 --dist loadgroup -m "not isolated"
	uv run pytest -q -m isolated

lint:
	uv run ruff check src tests bench scripts
	uv run ruff format --check src tests bench scripts
	uv run mypy
	uv run lint-imports

unit:  ## fast local loop: skip the slow end-to-end tests
	uv run pytest -q -m "not slow" -n 2

crds:
	uv run bosun crds
