"""The audit log: append-only, hash-chained record of every write and every read of personal data."""
