"""Clients of the hub (registry offices, hospitals, the portal, BHXH staff), their tokens and permissions."""
