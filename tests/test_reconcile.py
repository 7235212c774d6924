"""The manifest's accounting, on counts made up here (test_reconciliation.py runs it end to end)."""

from newsdedup.reconcile import manifest_counts

TABLES = {"articles": 7, "rejects": 3, "stories": 4, "copies": 2}


def test_counts_come_from_counters_and_tables():
    counts, reconciled = manifest_counts({"records_read": 10, "copy_groups": 5, "languages_detected": 6, "other": 9},
                                         TABLES)
    assert counts == {"read": 10, "accepted": 7, "rejected": 3, "copy_groups": 5, "stories": 4, "copies": 2,
                      "languages_detected": 6}
    assert reconciled is True


def test_a_lost_or_extra_record_does_not_reconcile():
    assert manifest_counts({"records_read": 11}, TABLES)[1] is False
    assert manifest_counts({"records_read": 9}, TABLES)[1] is False
    assert manifest_counts({"records_read": 3}, {**TABLES, "articles": 0}) == (
        {"read": 3, "accepted": 0, "rejected": 3, "copy_groups": 0, "stories": 4, "copies": 2, "languages_detected": 0},
        True)


def test_nothing_read_nothing_written_reconciles():
    counts, reconciled = manifest_counts({}, {"articles": 0, "rejects": 0, "stories": 0, "copies": 0})
    assert counts["read"] == 0 and reconciled is True
