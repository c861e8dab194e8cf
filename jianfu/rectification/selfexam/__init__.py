"""The negative list (负面清单) and self-examination rounds (自查): the province's list in versions
and its items, rounds opened over units, each unit's answers. A unit's submission puts every item
it found present on its problem list, so this part sits above `problems/` and may read it;
`problems/` never reads this one."""
