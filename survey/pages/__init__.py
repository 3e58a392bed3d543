"""What the results pages, their exports and the reports show, built from the published tables.

Each builder returns a View (model.py): sections with tables (rendered cells for the page, and
the long published rows with their `suppressed` flag for the CSV/Excel export of that very
table) and charts. One builder feeds the page, its exports, its charts and the report, so all of
them show the same figures with the same disclosure. Not a blueprint: the results pages and the
reports both build on it, and neither imports the other.

Rows are only ever picked from figures/tables.py's tables, never recomputed on a filtered input.
One module per page (dashboard, genuskompass, national, compare); the pieces they share are
model, labels, cells, filters and gender_tables.
"""
