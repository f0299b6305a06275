"""Benchmark of the synthetic population generator: people a second, streamed in batches as a loader would.

    python -m bench.synthetic [N] [--quick] [--seed S] [--batch B]

Progress goes to the terminal; the last line is one JSON object for scripts:
{"people": 1000000, "seconds": 41.2, "people_per_s": 24270, "rss_mb": 310, ...}
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

from devkit.synthetic import PopulationGenerator, generate_facilities

QUICK = 100_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("people", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK:,} people")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--batch", type=int, default=10_000, help="people handed over at a time")
    args = parser.parse_args(argv)
    target = QUICK if args.quick else args.people

    started = time.perf_counter()
    generator = PopulationGenerator(args.seed)
    setup = time.perf_counter() - started
    print(f"setup {setup:.2f} s ({len(generator.employers):,} employers)", file=sys.stderr)

    people = families = births = insured = periods = batches = 0
    batch: list[object] = []
    next_report = 100_000
    for family in generator.families(target):
        families += 1
        births += len(family.births)
        for person in family.members:
            people += 1
            if person.contributions:
                insured += 1
                periods += len(person.contributions)
            batch.append(person)
        if len(batch) >= args.batch:
            batches += 1
            batch.clear()  # where a loader would write the batch
        if people >= next_report:
            elapsed = time.perf_counter() - started
            print(f"{people:>10,} people  {elapsed:6.1f} s  {people / elapsed:>9,.0f}/s", file=sys.stderr)
            next_report += 100_000
    seconds = time.perf_counter() - started

    facilities_started = time.perf_counter()
    facilities = generate_facilities(args.seed)
    facilities_seconds = time.perf_counter() - facilities_started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    print(f"{len(facilities):,} facilities in {facilities_seconds:.2f} s", file=sys.stderr)
    print(
        json.dumps(
            {
                "people": people,
                "seconds": round(seconds, 1),
                "people_per_s": round(people / seconds),
                "rss_mb": round(rss_mb),
                "setup_seconds": round(setup, 2),
                "families": families,
                "births": births,
                "insured": insured,
                "contribution_periods": periods,
                "facilities": len(facilities),
                "facilities_seconds": round(facilities_seconds, 2),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
