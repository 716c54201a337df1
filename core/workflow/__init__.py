"""The inspection workflow (DOMAIN.md 3-6): requests, documents, lists, choosing children."""
