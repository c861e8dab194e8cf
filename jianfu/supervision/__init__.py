"""Supervision (督查督办): supervision tasks with lead and co-units, their working-day clocks,
colours, reminders and scores (items/), and key projects watched for fake or repeated starts and
deals signed but never landed (projects/)."""
