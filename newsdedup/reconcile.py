"""The run's accounting: every record read is an article or a reject, or the run says it is not."""

from __future__ import annotations


def manifest_counts(counters: dict, tables: dict) -> tuple[dict, bool]:
    """The manifest's ``counts`` from the stages' counters and the written tables' row counts, and
    whether they reconcile: ``read == accepted + rejected``. A record a stage dropped without a reject
    shows here, so ``newsdedup run`` exits with status 1 rather than call the run complete."""
    read = counters.get("records_read", 0)
    counts = {
        "read": read,
        "accepted": tables["articles"],
        "rejected": tables["rejects"],
        "copy_groups": counters.get("copy_groups", 0),
        "stories": tables["stories"],
        "copies": tables["copies"],
        "languages_detected": counters.get("languages_detected", 0),
    }
    return counts, read == counts["accepted"] + counts["rejected"]
