"""The hub's own signing identity and the certificates it trusts."""
