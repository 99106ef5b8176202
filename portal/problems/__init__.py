"""Public problem reports about listings."""
