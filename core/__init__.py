"""Core of the JTAI graph: the plugin contract, registry, persistence, GraphQL schema and server."""
