"""HMICFRS's JTAI plugin: police criteria, requests and evidence forms."""
