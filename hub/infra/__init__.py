"""Infrastructure every domain builds on: settings, database, clock, errors, text, logs, metrics, spreadsheets."""
