"""The registries: documents, meetings and inspections as each unit registers them (pages, API
pushes, spreadsheet import and export), whether each counts against the quota (derived by the
counting rules), and the counting-rules page. Imports no sibling part: the quotas read what the
records add up to through the monthly rollup (registry/rollup.py), which every write here keeps."""
