"""Supervision tasks (督办事项): one notice per item, a lead unit and co-units, signing, plans,
feedback, extensions and closing out, on working-day clocks with colours, reminders and scores."""
