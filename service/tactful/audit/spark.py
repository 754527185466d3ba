"""The audit as a Spark job: the same per-conversation records as `tactful audit`, partitioned
over many executors. Each Python worker compiles the ruleset once (mapPartitions + a per-process
cache) and audits its lines with the very function the local audit uses.

    spark-submit --master yarn tactful_audit_job.py s3://bucket/conversations/*.jsonl --out s3://bucket/audit
    python -m tactful.audit.spark --master 'local[2]' conversations.jsonl --out audit-out     # one machine

Writes OUT/conversations/part-* (conversations.jsonl, in input order when the part files are read
in name order) and, from the driver, agents.csv, rules.csv, summary.json and report.html. Needs
`pip install "tactful[spark]"` on the driver and tactful importable on every executor.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from tactful.audit.conversation import audit_line
from tactful.audit.output import record_line, write_summary
from tactful.audit.summary import Summary
from tactful.compile.compiler import load_rules
from tactful.compile.ruleset import Library

_LIBRARIES: dict[str | None, Library] = {}  # per Python worker process: compiled once, reused by every partition
ERRORS_SHOWN = 100

Row = tuple[int, dict[str, Any] | None, str | None]


def _library(rules: str | None) -> Library:
    found = _LIBRARIES.get(rules)
    if found is None:
        found = _LIBRARIES[rules] = load_rules(rules)
    return found


def audit_partition(rows: Iterable[tuple[str, int]], rules: str | None, ruleset: str | None) -> Iterator[Row]:
    """(line text, 0-based index) -> (line number, record, error), skipping blank lines as `tactful audit` does."""
    library = _library(rules)
    for text, index in rows:
        if text.strip():
            yield (index + 1, *audit_line(library, index + 1, text, ruleset))


def _seq(summary: Summary, row: Row) -> Summary:
    if row[1] is None:
        summary.errors += 1
    else:
        summary.add(row[1])
    return summary


def _comb(a: Summary, b: Summary) -> Summary:
    return a.merge(b)


def run(spark: Any, source: str, out: str, rules: str | None = None, ruleset: str | None = None, partitions: int | None = None) -> Any:
    """Audit `source` (a path or glob Spark can read) into `out`; returns (summary, first errors)."""
    sc = spark.sparkContext
    lines = sc.textFile(source, minPartitions=partitions) if partitions else sc.textFile(source)
    rows = lines.zipWithIndex().mapPartitions(lambda part: audit_partition(part, rules, ruleset)).cache()
    rows.filter(lambda r: r[1] is not None).map(lambda r: record_line(r[1])).saveAsTextFile(f"{out.rstrip('/')}/conversations")
    summary: Summary = rows.treeAggregate(Summary(), _seq, _comb)
    errors = rows.filter(lambda r: r[1] is None).map(lambda r: (r[0], r[2])).takeOrdered(ERRORS_SHOWN, key=lambda e: e[0])
    rows.unpersist()
    return summary, errors


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="tactful-audit-spark", description="tactful audit as a Spark job")
    ap.add_argument("input", help="conversations JSONL (any path or glob Spark reads: file://, hdfs://, s3a://)")
    ap.add_argument("--out", required=True, help="output directory (must not exist; local path for the driver's summary files)")
    ap.add_argument("--rules", help="rule packs directory visible to every executor (default: the packs shipped in the package)")
    ap.add_argument("--ruleset")
    ap.add_argument("--partitions", type=int, help="minimum number of input partitions")
    ap.add_argument("--master", help="Spark master when run with python -m (spark-submit sets it)")
    args = ap.parse_args(argv)
    from pyspark.sql import SparkSession  # the optional extra: only this entry point needs it

    builder = SparkSession.builder.appName("tactful-audit").config("spark.ui.showConsoleProgress", "false")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    try:
        summary, errors = run(spark, args.input, args.out, args.rules, args.ruleset, args.partitions)
    finally:
        spark.stop()
    for line, message in errors:
        print(f"tactful: {args.input}:{line}: {message}", file=sys.stderr)
    write_summary(summary, Path(args.out), Path(args.input).name)
    print(f"audited {summary.conversations:,} conversations: mean score {summary.mean_score:.1f}, {summary.violations:,} violations")
    if summary.errors:
        print(f"tactful: {summary.errors} line(s) could not be audited; the others were.", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
