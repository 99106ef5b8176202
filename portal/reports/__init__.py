"""Program evidence (issue 15): what the co-response program achieves, computed by the
database from its own records.

imports.py  the call log and historical encounter imports
metrics.py  every figure, its definition beside its query (no web imports)
cli.py      `flask calls import`, `flask encounters import`, `flask reports metrics`
"""
