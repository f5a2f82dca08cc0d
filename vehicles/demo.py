"""Deterministic demo VINs, shared by `seed_demo`, the benchmarks and the tests."""

import random

VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"

# A world manufacturer identifier per demo make (vininfo's names), and one that names no maker.
DEMO_WMIS = {"BMW": "WBA", "Ford": "1FA", "Tesla": "5YJ", "Volvo Cars": "YV1", "Ferrari": "ZFF"}
UNKNOWN_WMI = "9ZZ"


def make_vin(wmi, serial, length=17, seed=0):
    """A valid VIN starting with `wmi`, unique for each (wmi, serial, seed)."""
    rng = random.Random(f"{wmi}-{serial}-{seed}")
    middle = "".join(rng.choice(VIN_CHARS) for _ in range(length - 3 - 6))
    tail = f"{serial:06d}"
    return f"{wmi}{middle}{tail}"[:length]
