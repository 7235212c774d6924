"""`make mutate`: mutation testing (mutmut) over the core modules, one module at a time.

Each module is mutated in its own copy of the tracked files under
``out/mutate/<module>`` and its mutants run against the fast tests that cover
it (no pipeline runs: mutmut forks the test process for each mutant, and a
pipeline's worker processes would import the unmutated code). Prints one
line per module and writes ``out/mutate/summary.json``; MUTATION.md records
the figures and explains each survivor.

    python scripts/mutate.py [MODULE ...]     # default: every module below, smallest first
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "out" / "mutate"
MUTMUT = Path(sys.executable).with_name("mutmut")

# module -> the fast tests that cover it (no test here starts a pipeline)
MODULES = {
    "reconcile": ["tests/test_reconcile.py"],  # the manifest's accounting, out of pipeline/run.py
    "lsh": ["tests/test_lsh.py", "tests/test_properties.py"],
    "canonical": ["tests/test_canonical.py", "tests/test_properties.py", "tests/test_copies.py"],
    "assemble": ["tests/test_copies.py", "tests/test_assemble.py"],
    "copies": ["tests/test_copies.py"],
    "readers": ["tests/test_readers.py"],
    "normalize": ["tests/test_normalize.py", "tests/test_properties.py", "tests/test_copies.py"],
    "records": ["tests/test_records.py", "tests/test_readers.py"],
    "signing": ["tests/test_minhash.py", "tests/test_properties.py", "tests/test_shingle.py"],
    "versions": ["tests/test_versions.py", "tests/test_transforms.py"],
    "cluster": ["tests/test_cluster.py"],  # the story model's driver; its parts are in stories/
    "stories/similarity": ["tests/test_cluster.py"],
    "stories/graph": ["tests/test_cluster.py"],
    "stories/lifetime": ["tests/test_cluster.py"],
    "stories/linkage": ["tests/test_cluster.py"],
    "stories/cutting": ["tests/test_cluster.py"],
}
KILLED = {"killed", "timeout"}  # a mutant that hangs the tests is caught too


def _copy_tree(target: Path) -> None:
    """The tracked files (what CI sees), without build output or the virtualenv."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True).stdout.split(b"\0")
    for name in filter(None, (f.decode() for f in files)):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)


def _config(module: str, tests: list[str]) -> str:
    return "\n".join([
        "[mutmut]",
        "source_paths=newsdedup",
        f"only_mutate=newsdedup/{module}.py",
        "also_copy=",  # what tests read besides tests/ (one per line)
        "    seeds",
        "    configs",
        "pytest_add_cli_args_test_selection=",
        *(f"    {t}" for t in tests if (ROOT / t).exists()),
        "",
    ])


def mutate(module: str, children: int, again: list[str] = ()) -> dict:
    """Mutate ``module`` from scratch, or only run the mutants ``again`` with the current tests."""
    work = WORK / module
    if again:
        shutil.rmtree(work / "tests")
        shutil.copytree(ROOT / "tests", work / "tests")
        (work / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)  # which tests cover what: found again
    else:
        _copy_tree(work)
    (work / "setup.cfg").write_text(_config(module, MODULES[module]))
    started = time.monotonic()
    run = subprocess.run([str(MUTMUT), "run", "--max-children", str(children), *again], cwd=work,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.monotonic() - started
    if run.returncode != 0:
        raise SystemExit(f"mutmut failed on {module}:\n{run.stderr[-3000:]}")
    listed = subprocess.run([str(MUTMUT), "results", "--all", "true"], cwd=work, check=True,
                            capture_output=True, text=True).stdout.split("\n")
    status = dict(line.strip().rsplit(": ", 1) for line in listed if ": " in line)
    counts = Counter(status.values())
    caught = sum(counts[s] for s in KILLED)
    return {"module": module, "mutants": len(status), "killed": caught, "counts": dict(counts),
            "score": round(caught / len(status), 4) if status else None, "seconds": round(seconds, 1),
            "survivors": sorted(name for name, s in status.items() if s not in KILLED)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", metavar="MODULE", help=f"default: {' '.join(MODULES)}")
    parser.add_argument("--children", type=int, default=os.cpu_count() or 1, help="mutants run at once")
    parser.add_argument("--survivors", action="store_true",
                        help="run only the last run's surviving mutants again, against the current tests")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.modules) - set(MODULES))
    if unknown:
        parser.error(f"unknown module(s) {', '.join(unknown)}; choose from {', '.join(MODULES)}")
    WORK.mkdir(parents=True, exist_ok=True)
    summary_file = WORK / "summary.json"
    summary = json.loads(summary_file.read_text()) if summary_file.exists() else {}
    for module in args.modules or list(MODULES):
        again = summary.get(module, {}).get("survivors", []) if args.survivors else []
        if args.survivors and not again:
            continue
        result = mutate(module, args.children, again)
        summary = json.loads(summary_file.read_text()) if summary_file.exists() else {}  # another run may have written
        summary[module] = result
        summary_file.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
        print(f"{module:<10} {result['killed']:>4} / {result['mutants']:<4} killed ({result['score']:.1%}), "
              f"{result['seconds']:.0f} s; survivors: {' '.join(result['survivors']) or 'none'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
