"""Workloads of the benchmarks (bench/), built from the synthetic population (devkit.synthetic): the birth
registrations of the child-card flow, hospitals' signed envelopes, insured people's claims, and the facility
catalog as the hub imports it. Deterministic for a seed, like the population they come from."""
