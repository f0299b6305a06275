"""People known to the hub: insured persons, children, parents; their identifiers and where they live."""
