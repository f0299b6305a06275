"""Development kit: the demo, the synthetic population and sample documents. Production code never imports it."""
