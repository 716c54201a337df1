"""A fictional inspectorate of refuges: the template for a new inspectorate's JTAI plugin."""
