"""The mid-year review (年中回头看): targets, key work and livelihood projects per unit, taken
stock of at a date the office sets, beside the units' supervision items and key projects."""
