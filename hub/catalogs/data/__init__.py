"""Data files vendored into the package: see README.md here for where they come from."""
