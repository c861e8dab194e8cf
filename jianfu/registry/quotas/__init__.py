"""Quotas (硬性指标): the quota table set per unit, year and category (cell by cell, from last
year's actual figures, or by spreadsheet), and where each unit stands against it: used, left,
pace, projected year-end use and exhaustion (figures.py), the status overview and a unit's page
with its charts, the home page's watch list, the API. Reads the monthly rollup the records keep,
and borrows from `records` the unit check of its writes and the import's shared columns; `records`
never reads this part."""
