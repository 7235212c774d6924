"""Speed-up of more DirectRunner worker processes on this machine (README, "Running at scale").

Usage: .venv/bin/python scripts/measure_workers.py [--replicas N] [--rounds R] [--workers 1,2] corpus.jsonl ...

The corpora are concatenated N times with renamed ids (each replica a reprint
of the original, so copy groups of N), written to a temporary folder, and the
pipeline is run on it with each worker count in turn, interleaved and with the
order alternating between rounds, so that load from other users of a shared
machine falls on both sides. Prints each run's wall time and the outputs'
equality across worker counts.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

NEWSDEDUP = Path(sys.executable).parent / "newsdedup"


def replicate(corpora: list[str], replicas: int, out: Path) -> int:
    count = 0
    with open(out, "w", encoding="utf-8") as sink:
        for replica in range(replicas):
            for corpus in corpora:
                for line in Path(corpus).read_text(encoding="utf-8").splitlines():
                    if line.strip():
                        record = json.loads(line)
                        record["id"] = f"{record['id']}#{replica}"
                        sink.write(json.dumps(record, ensure_ascii=False) + "\n")
                        count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="+")
    parser.add_argument("--replicas", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()
    workers = [int(w) for w in args.workers.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        print(f"{replicate(args.corpora, args.replicas, corpus)} articles; workers {workers}; {args.rounds} rounds")
        times: dict[int, list[float]] = {w: [] for w in workers}
        for round_ in range(args.rounds):
            for w in workers if round_ % 2 == 0 else workers[::-1]:
                out = Path(tmp) / f"out-{w}"
                command = [str(NEWSDEDUP), "run", "--input", str(corpus), "--output", str(out), "--overwrite",
                           f"--direct_num_workers={w}"]
                started = time.monotonic()
                subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
                times[w].append(time.monotonic() - started)
                print(f"  round {round_ + 1}  workers {w}  {times[w][-1]:6.1f} s", flush=True)
        base = workers[0]
        for w in workers:
            same = all(pq.read_table(Path(tmp) / f"out-{w}" / t).equals(pq.read_table(Path(tmp) / f"out-{base}" / t))
                       for t in ("articles", "stories", "rejects"))
            print(f"workers {w}: median {statistics.median(times[w]):6.1f} s  "
                  f"speed-up over {base}: {statistics.median(times[base]) / statistics.median(times[w]):.2f}x  "
                  f"tables equal to workers {base}: {same}")


if __name__ == "__main__":
    main()
