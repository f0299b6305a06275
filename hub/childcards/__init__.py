"""Child health-insurance cards from birth registrations (liên thông đăng ký khai sinh – cấp thẻ BHYT trẻ dưới 6 tuổi)."""
