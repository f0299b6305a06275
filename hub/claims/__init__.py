"""Sickness, maternity and convalescence claims (chế độ ốm đau, thai sản, dưỡng sức phục hồi sức khỏe)."""
