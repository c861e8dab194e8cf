"""The reporter's side of monitoring: the form and its questions, checking answers, submitting and
correcting a report (pages and API), and the state of a period. Imports no sibling package."""
