"""Peak memory of ``sim run`` for growing run counts: it must stay flat (<= 250 MB).

    python bench/memory.py [--big 20000000]

Each command runs as a subprocess; prints its wall time, the largest peak RSS of any of
its processes (getrusage) and the peak of the sum over its process tree (sampled from
/proc every 50 ms), which counts the worker processes too.
"""

from __future__ import annotations

import argparse
import os
import tempfile

from common import ROOT, SIM, peak_memory

LIMIT_MB = 250


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", type=int, default=20_000_000)
    args = parser.parse_args()
    base = str(ROOT / "scenarios" / "base.yaml")
    with tempfile.TemporaryDirectory() as folder:
        runs_csv = os.path.join(folder, "runs.csv")
        cases = [
            ("1M runs, 1 worker", [SIM, "run", base, "-n", "1000000", "-w", "1", "--json"]),
            ("1M runs, 2 workers", [SIM, "run", base, "-n", "1000000", "-w", "2", "--json"]),
            (f"{args.big / 1e6:g}M runs, 2 workers", [SIM, "run", base, "-n", str(args.big), "-w", "2", "--json"]),
            ("1M runs, 2 workers, --runs-csv", [SIM, "run", base, "-n", "1000000", "-w", "2", "--json",
                                                "--runs-csv", runs_csv]),
        ]
        print(f"{'case':36s} {'wall s':>7s} {'max process MB':>15s} {'process tree MB':>16s}")
        for label, command in cases:
            m = peak_memory(command)
            ok = "OK" if m["tree_peak_mb"] <= LIMIT_MB and m["max_process_mb"] <= LIMIT_MB else "OVER"
            extra = ""
            if "--runs-csv" in command:
                extra = f"  (csv {os.path.getsize(runs_csv) / 1e6:.0f} MB)"
            print(f"{label:36s} {m['wall_s']:7.1f} {m['max_process_mb']:15.0f} {m['tree_peak_mb']:16.0f}  "
                  f"<= {LIMIT_MB} MB: {ok}{extra}")


if __name__ == "__main__":
    main()
