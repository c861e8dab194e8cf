"""Information reporting (信息报送): designated contacts, requirements and commissions, submissions,
adoption at tiers, leaders' instructions, false reports, reminders and the ranking."""
