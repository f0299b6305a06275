"""Contributions: employers, insured people's contribution months, their import from files and sync from BHXH."""
