"""Child health-insurance cards from birth registrations (liên thông khai sinh – cấp thẻ BHYT trẻ dưới 6 tuổi)."""
