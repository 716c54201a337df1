"""Home module of the GraphQL classes generated from plugin forms (see ``evidence.py``).

Strawberry looks up each class's module; generated classes name this one, with a unique qualname
each, so that no two of them are mistaken for one type.
"""
