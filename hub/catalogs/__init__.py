"""National catalogs: administrative units (current and legacy), health-care facilities, BHXH units."""
