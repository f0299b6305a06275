"""The hub's benchmarks, each run as `python -m bench.NAME [--quick] ...` and ending its output with one JSON line of
figures: `childcards` (birth registration to card issued), `documents` (signed envelopes verified and stored),
`big_envelope` (envelopes of a realistic size through the gateway upload: throughput, memory per request),
`claims` (claims computed, the processors' work queue), `graphql_validation` (the worst documents within the token
limit) and `synthetic` (the population generator).

Shared by them: `deployment` (the hub deployed on one machine: database, Redis, clients, simulators, web and job
workers, and the frame of a run), `processes` (starting and stopping processes safely), `cpu` (where the CPU went,
with psutil) and `measuring` (percentiles, database samplers, job reports). Their workloads are built in
`devkit.workloads` from the synthetic population.
"""
