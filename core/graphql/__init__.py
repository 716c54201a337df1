"""The GraphQL schema: core types, the types generated from plugin forms, and the server view."""
