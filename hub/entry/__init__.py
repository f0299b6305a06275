"""The entry points: the web application, the worker, the broker, the command line and migrations."""
