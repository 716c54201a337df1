"""What tests share: the GraphQL client, global IDs, synthetic worlds and files, servers.

Fixtures stay in tests/conftest.py; everything a test module imports from elsewhere lives here, so
no test module imports another test module or the conftest.
"""
