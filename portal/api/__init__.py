"""The HSDS 3.0 JSON API (read-only, public): views.py answers HTTP, queries.py the questions,
openapi.py describes it."""
