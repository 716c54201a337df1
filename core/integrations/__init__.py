"""What other systems take out: published findings, the change feed, webhooks, exports, themes.

Nothing here ever reads a child or an evidence record: integrators receive published findings with
their criteria, agencies and inspection, and counts of them.
"""
