"""Reports: KPI summaries as PDF, CSV or Excel files, generated as leased jobs on demand or on a schedule."""
