"""The registry: documents, meetings and inspections as units register them (records/), and the
quotas they count against with each unit's status and pace (quotas/). The kinds table, the
counting rules, the rollup and the models are the app's own and serve both parts."""
