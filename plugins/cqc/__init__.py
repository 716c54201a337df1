"""The Care Quality Commission's JTAI plugin: health criteria, requests and evidence forms."""
