"""Open Referral HSDS 3.0: the public catalog as HSDS records (records.py), the tables and
value formats (tables.py), export (export.py) and import (importer.py), and their CLI."""
