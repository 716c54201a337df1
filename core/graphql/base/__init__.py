"""What every part of the graph builds on: the request context, errors as data, pages, access
rules, global-id inputs, the one mutation adapter and the enums. It imports nothing else of
``core.graphql`` (the import-linter contract in pyproject.toml), so any domain module may use it."""
