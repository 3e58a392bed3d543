"""The figures every page, export and report reads, owned by no blueprint.

- cells.py:    count cells kept up to date in the transaction of every write of responses;
- counts.py:   grouped counts from the database (the live state);
- releases.py: the released counts: a figure moves only in steps of at least k responses or
               records (DISCLOSURE.md rule 4), so that no send can be isolated by comparing two
               page views or exports;
- cache.py:    the per-process cache of computed tables, keyed by the data version;
- tables.py:   the published tables, each computed once through the disclosure engine of
               `indicators/`, that every view picks its rows from;
- exports.py:  those tables and the raw data in the EXCHANGE.md formats (CSV, Excel).

Blueprints import from here; nothing here imports a blueprint.
"""
