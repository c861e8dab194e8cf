"""The office's side of monitoring: sample points and their reporters, what each point reported,
completeness and timeliness (reporting rates), reminders of missing reports. Reads `reports` for
the form in force and a period's state; `reports` never reads this package."""
