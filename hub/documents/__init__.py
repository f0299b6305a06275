"""Signed documents from hospitals and the civil registry: their formats, parsed into typed records."""
