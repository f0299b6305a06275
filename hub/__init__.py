"""The benefits data-sharing hub: BHXH's end of the civil-registry, hospital and benefits data flows."""
