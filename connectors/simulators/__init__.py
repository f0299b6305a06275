"""Simulators of the external systems (real HTTP services) for the demo, tests and benchmarks."""
