"""Eligibility benchmark: 10,000 VINs through `POST /api/v2/vehicle-management/eligibility` under gunicorn.

    .venv/bin/python bench/eligibility_bench.py --db sqlite      # bench/out/fleet_bench_eligibility.sqlite3 (recreated)
    .venv/bin/python bench/eligibility_bench.py --db postgres    # database fleet_bench_eligibility (recreated)

The server is api_bench.py's (the project's settings and URLs under gunicorn, 2 sync workers, a real token,
throttling on, DEBUG off). One call carries 10,000 VINs of four kinds — eligible BMW and Volvo VINs, VINs the
simulated provider refuses (last character 7), invalid ones and VINs of no known make — and is sent `--rounds`
times, each timed end to end (request body out, whole JSON answer read and checked). Goal: < 2 s.

For scale, in the same run: the validation loop alone (`vins.validate_vin` over the same 10,000 VINs, in this
process: the floor of any per-VIN work) and an upload of 10,000 fresh VINs through `POST …/vehicles/` (the bulk
call a client would make next). The ratios printed are eligibility ÷ each of them.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import api_bench  # noqa: E402
from bench.api_bench import post_json, print_load, serving, upload  # noqa: E402
from vehicles.vins import InvalidVin, validate_vin  # noqa: E402

VINS = 10_000
INVALID_EVERY = 97  # one VIN in 97 is invalid, one in 89 of no known make
UNKNOWN_EVERY = 89


def database_url(db):
    """api_bench's database, under its own name (so that the two benchmarks can run side by side)."""
    if db == "sqlite":
        path = api_bench.OUT / "fleet_bench_eligibility.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fleet_bench_eligibility")
    return api_bench.database_url(db)


def vins_for(round_number):
    """(VINs, expected eligible count): a mix of the four kinds, different every round."""
    vins, eligible = [], 0
    for serial in range(VINS):
        if serial % INVALID_EVERY == 0:
            vins.append(f"BAD{serial}")
        elif serial % UNKNOWN_EVERY == 0:
            vins.append(f"9ZZ{round_number:02d}{serial:012d}")
        else:
            wmi = "WBA" if serial % 2 else "YV1"
            vins.append(f"{wmi}{round_number:02d}{serial:012d}")
            eligible += not vins[-1].endswith("7")
    return vins, eligible


def check(port, token, vins, eligible):
    elapsed, answer = post_json(port, token, "/api/v2/vehicle-management/eligibility", {"vins": vins})
    assert answer["summary"] == {"eligible": eligible, "ineligible": VINS - eligible}, answer["summary"]
    assert [r["vin"] for r in answer["results"]] == vins  # in the order sent
    return elapsed


def validation_loop(vins):
    started = time.perf_counter()
    for vin in vins:
        try:
            validate_vin(vin)
        except InvalidVin:
            pass
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()

    load_before = os.getloadavg()
    with serving(database_url(args.db), args.port) as data:
        check(args.port, data["token"], *vins_for(0))  # warm up both workers' imports
        check(args.port, data["token"], *vins_for(0))
        times, loops = [], []
        for round_number in range(1, args.rounds + 1):
            vins, eligible = vins_for(round_number)
            loops.append(validation_loop(vins))
            times.append(check(args.port, data["token"], vins, eligible))
        uploads = [upload(args.port, data["token"], 50 + n) for n in range(1, 4)]
    median, loop, up = statistics.median(times), statistics.median(loops), statistics.median(uploads)
    print(
        f"[{args.db}] eligibility of {VINS:,} VINs in one call: "
        + ", ".join(f"{t:.2f} s" for t in times)
        + f" -> median {median:.2f} s, max {max(times):.2f} s (goal < 2 s: {'met' if max(times) < 2 else 'NOT met'})"
    )
    print(
        f"[{args.db}] validation loop alone: median {loop * 1000:.1f} ms -> eligibility call / loop = "
        f"{median / loop:.0f}x; upload of {VINS:,} VINs: median {up:.2f} s -> eligibility / upload = {median / up:.2f}"
    )
    print_load(args.db, load_before)


if __name__ == "__main__":
    main()
