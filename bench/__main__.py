"""`python -m bench [ROW ...] [--large]` (`--help` lists the rows): all but the slow `ingest` by default. `catchup`
prints one line per scenario ending `complete` or `INCOMPLETE`; the run exits 1 if any is, or if `cost` is over budget.

`deployed` builds the layer with infra/layer/Makefile (it needs PyPI). Each figure is printed beside its floor or
reference, measured in the same run, as a ratio. `--large` adds the backfill of 10,000 records (74 min, 14 GB:
moto's SQS receive and TransactWriteItems cost O(queue or table size) per call). `ingest` (not run by default: about
ten minutes) times `deptwatch ingest` of 1,000 and of 4,000 records on the local stack: the ratio must be about 4.
"""

from __future__ import annotations

import sys

BACKFILLS = (1_000,)
LARGE_BACKFILLS = (10_000,)
INGEST_SIZES = (1_000, 4_000)
FLOOR_PER_NEW_ITEM = 1 + 0.1 + 0.1
"""One conditional write per item, plus a tenth of a request each for the queue send and the publish (batches of 10)."""
TARGET_PER_NEW_ITEM = 1.3


def _row(figure: str, measured: str, reference: str, ratio: float | None, target: str) -> None:
    ratio_text = f"{ratio:.2f}x" if ratio is not None else "-"
    print(f"| {figure} | {measured} | {reference} | {ratio_text} | {target} |", flush=True)


def _import_rows(setting: str, timings: dict[str, float]) -> None:
    """Each handler against a bare `import boto3` (the issue's target), and against the libraries it cannot do
    without (boto3, pydantic, Powertools): the second ratio is our own code's share."""
    from bench.imports import STACK_OF

    baseline = timings["boto3"]
    for name, seconds in timings.items():
        if name == "boto3":
            continue
        _row(
            f"{setting}: {name}",
            f"{seconds * 1000:.0f} ms",
            f"import boto3 {baseline * 1000:.0f} ms",
            seconds / baseline,
            "≤ 1.7x (issue #17)",
        )
        if name in STACK_OF:
            stack = timings[STACK_OF[name]]
            _row(
                f"{setting}: {name}, our share",
                f"{(seconds - stack) * 1000:+.0f} ms",
                f"{STACK_OF[name]} {stack * 1000:.0f} ms",
                seconds / stack,
                "close to 1x",
            )


ROWS = {
    "requests": "AWS requests per new item in a backfill of 1,000 questions (10,000 with --large), by operation",
    "idle": "what a poll with nothing new costs per source (upstream calls, AWS requests, writes), and the next poll's "
    "detail calls over unchanged questions",
    "recheck": "detail calls per poll over the recheck period after many cut questions were read (the recheck spread)",
    "unchanged": "DynamoDB writes and reads per unchanged record reaching the processor (1,000 records)",
    "imports": "cold import of each handler against a bare `import boto3`, and our own code's share of it",
    "deployed": "the same cold imports as deployed, with the layer's .pyc and without (builds the layer; needs PyPI)",
    "throughput": "the processor's parse + normalise + render, records a second on one core, against bare validation",
    "package": "each built artifact's size, zipped and unzipped, against Lambda's limits (after `make build`)",
    "watches": "matching 10,000 watches against 1,000 item versions: the term index against the loop over every watch",
    "search": "a search over a year of one department's items on the read table: round trips in sequence x a stated "
    "latency + measured CPU (DynamoDB's figure), read units, time on moto",
    "cost": "the monthly bill at the reference volume from measured requests and durations (exit 1 over $3.00)",
    "catchup": "a year's backfill of 60,000 questions and a 7-day outage on a simulated clock: complete or INCOMPLETE",
    "ingest": "`deptwatch ingest` of 1,000 and 4,000 records on the local stack: linear (not run by default: ~10 min)",
    "offline": "`deptwatch run` end to end (a fresh process) with every name lookup failing: the 5 s of issue #16",
}
SLOW_ROWS = {"ingest"}
"""Each row `python -m bench NAME` prints, and what it measures (`--help` lists them)."""


def main(argv: list[str]) -> int:
    if {"-h", "--help"} & set(argv):
        print((__doc__ or "").strip() + "\n\nRows:")
        for name, what in ROWS.items():
            print(f"  {name:<11} {what}")
        return 0
    large = "--large" in argv
    if unknown := sorted(set(argv) - {"--large"} - set(ROWS)):
        print(f"bench: unknown row {', '.join(unknown)}; one of: {', '.join(ROWS)} (see --help)", file=sys.stderr)
        return 2
    chosen = set(argv) - {"--large"} or set(ROWS) - SLOW_ROWS
    status = 0
    print("| figure | measured | floor / reference | ratio | target |")
    print("|---|---|---|---|---|")
    if "requests" in chosen:
        from bench.requests import backfill

        for count in BACKFILLS + (LARGE_BACKFILLS if large else ()):
            result = backfill(count)
            _row(
                f"AWS requests per new item, backfill of {count:,}",
                f"{result['per_item']:.3f} ({result['seconds']:.0f} s on moto)",
                f"{FLOOR_PER_NEW_ITEM:.2f}",
                result["per_item"] / FLOOR_PER_NEW_ITEM,
                f"≤ {TARGET_PER_NEW_ITEM}",
            )
            detail = ", ".join(f"{k[3:]} {v:.3f}" for k, v in result.items() if k.startswith("op:"))
            print(f"|  per item, by operation | {detail} | | | |")
    if "idle" in chosen:
        from bench.requests import due_poll, idle_poll, overlap_poll

        for source, result in idle_poll().items():
            # A source polled less often than scheduled is not due: its floor is no upstream call and one state read.
            every, queries = result["polled_every_minutes"], result["list_queries"]
            _row(
                f"idle poll: {source}",
                f"{result['upstream_calls']:.0f} upstream, {result['aws_requests']:.0f} AWS "
                f"(state items read: {result['items_read']:.0f}), {result['writes']:.0f} writes, "
                f"{result['queued']:.0f} queued",
                f"not due (polled every {every:.0f} min): 0 upstream, 1 state item read, 0 writes"
                if every
                else f"{queries} upstream (one a list query), 0 writes, 0 queued",
                result["items_read"] if every else result["upstream_calls"] / queries,
                "1 state item read" if every else "1 upstream call a list query",
            )
        for source, result in due_poll().items():
            _row(
                f"due poll: {source} (scheduled poll {result['polled_every_minutes']:.0f} min after the last)",
                f"{result['upstream_calls']:.0f} upstream, {result['aws_requests']:.0f} AWS "
                f"(state items read: {result['items_read']:.0f}), {result['writes']:.0f} writes, "
                f"{result['queued']:.0f} queued",
                f"one list call per department with an answering-body id ({result['departments_asked']:.0f}), "
                "the watermark, then the 16 memory parts (17 state items read), 1 write (the watermark), 0 queued",
                result["upstream_calls"] / result["departments_asked"],
                "≤ 1x, 0 queued",
            )
        result = overlap_poll(1_000)
        due, share = result["details_due"], result["polls_rechecking"]
        _row(
            f"next poll (5 min on), {result['records_in_window']:.0f} unchanged questions in its window",
            f"{result['upstream_calls']:.0f} upstream ({result['detail_calls']:.0f} details), "
            f"{result['aws_requests']:.0f} AWS, {result['writes']:.0f} writes, {result['queued']:.0f} queued",
            f"list pages and the details of the parts whose recheck slot fell since the last poll: {due:.0f} here "
            f"(the {result['recheck_minutes']:.0f}-min recheck: {share:.0%} of polls recheck one part, the "
            "`recheck` row), 0 queued",
            result["detail_calls"] / due if due else None,
            f"{due:.0f} details, 0 queued",
        )
    if "recheck" in chosen:
        from bench.requests import recheck_period

        result = recheck_period(1_200)
        counts, part = result["details_per_poll"], result["records"] / 16
        largest = result["largest_part"]
        _row(
            f"detail calls per poll, the {result['recheck_minutes']} min (DetailRecheckMinutes) after "
            f"{result['records']:,} cut questions were read",
            f"max {max(counts)}, min {min(counts)} ({', '.join(map(str, counts))}); "
            f"at most {max(result['parts_per_poll'])} part(s) a poll",
            f"one of the memory's 16 parts a poll: {part:.0f} on average, the largest {largest}",
            max(counts) / part,
            f"≤ {largest / part:.2f}x (largest part / mean part), at most one part a poll",
        )
        _row(
            "  details read over that period",
            f"{sum(counts):,}",
            f"{result['records']:,}: each question once a period",
            sum(counts) / result["records"],
            "≈ 1x",
        )
        print(f"|  fetcher's state writes per poll | {', '.join(map(str, result['state_writes_per_poll']))} | | | |")
        units = ", ".join(map(str, result["state_write_units_per_poll"]))
        print(f"|  their write units (1 KB each begun) | {units} | | | |")
    if "unchanged" in chosen:
        from bench.requests import unchanged

        result = unchanged(1_000)
        _row(
            "requests per unchanged record reaching the processor",
            f"{result['writes_per_record']:.3f} writes, {result['reads_per_record']:.3f} reads",
            "0 writes, 0.01 reads (BatchGetItem of 100)",
            None,
            "≤ 0.1 writes",
        )
    if "ingest" in chosen:
        from bench.ingest import ingest_seconds

        small, large_ingest = (ingest_seconds(count) for count in INGEST_SIZES)
        _row(
            f"deptwatch ingest of {INGEST_SIZES[1]:,} records vs {INGEST_SIZES[0]:,} (CPU s; wall s)",
            f"{large_ingest['cpu_seconds']:.0f} s ({large_ingest['wall_seconds']:.0f} s)",
            f"{small['cpu_seconds']:.0f} s ({small['wall_seconds']:.0f} s)",
            large_ingest["cpu_seconds"] / small["cpu_seconds"],
            f"≈ {INGEST_SIZES[1] / INGEST_SIZES[0]:.0f}x (linear)",
        )
    if "offline" in chosen:
        from bench.offline import RUNS, offline_run_seconds

        result = offline_run_seconds()
        _row(
            "deptwatch run without network, until it exits 2 with its one sentence (wall s)",
            f"{result['median']:.2f} s median of {RUNS} (slowest {result['slowest']:.2f} s)",
            "5 s",
            result["slowest"] / 5,
            "< 1x (issue #16)",
        )
    if "imports" in chosen:
        from bench.imports import cold_imports

        _import_rows("cold import", cold_imports())
    if "deployed" in chosen:
        from bench.imports import cold_imports_as_deployed

        settings = cold_imports_as_deployed()
        compiled, sources = settings["with .pyc"], settings["sources only"]
        _import_rows("cold import as deployed (layer .pyc)", compiled)
        for module, seconds in sources.items():
            _row(
                f"cold import as deployed, sources only (no .pyc): {module}",
                f"{seconds * 1000:.0f} ms",
                f"with the layer's .pyc {compiled[module] * 1000:.0f} ms",
                seconds / compiled[module],
                "what the .pyc save",
            )
    if "throughput" in chosen:
        from bench.throughput import throughput

        result = throughput()
        _row(
            "processor: parse + normalise + render (records/s, one core)",
            f"{result['records_per_second']:.0f}/s",
            f"bare model_validate {result['bare_validate_per_second']:.0f}/s",
            result["bare_validate_per_second"] / result["records_per_second"],
            "as close to 1x as the work allows",
        )
    if "search" in chosen:
        from bench.search import QUERY, ROUND_TRIP_SECONDS, search_year

        result = search_year()
        _row(
            f"search of a year of one department ({result['rows_read']:,.0f} items): {QUERY}, on DynamoDB",
            f"{result['dynamodb_seconds'] * 1000:.0f} ms = {result['round_trips']:.0f} round trips in sequence "
            f"x {ROUND_TRIP_SECONDS * 1000:.0f} ms (stated) + {result['lambda_cpu_seconds'] * 1000:.0f} ms CPU "
            f"(measured, at the API's vCPU share); {result['matches']:.0f} found (of {result['expected']:.0f}), "
            f"~{result['read_units']:,.0f} read units",
            "1 s",
            result["dynamodb_seconds"],
            "≤ 1 s",
        )
        _row(
            "  the same on moto (its Query: ~1.6 s per 1 MB page; stands for nothing on DynamoDB)",
            f"{result['seconds'] * 1000:.0f} ms, {result['pages']:.1f} MB read as {result['ranges']:.0f} key ranges "
            "at once",
            "-",
            None,
            "-",
        )
    if "package" in chosen:
        from bench.package import zipped_sizes

        sizes = zipped_sizes()
        if sizes is None:
            print("| deployment size | run `make build` first | | | |")
        else:
            for artifact, (zipped, unzipped) in sizes.items():
                _row(
                    f"{artifact}: zipped (unzipped)",
                    f"{zipped / 1024:,.0f} KiB ({unzipped / 1024:,.0f} KiB)",
                    "Lambda: 50 MiB zipped, 250 MiB unzipped",
                    max(zipped / 52_428_800, unzipped / 262_144_000),
                    "small",
                )
    if "watches" in chosen:
        from bench.watches import watches_bench

        result = watches_bench()
        _row(
            f"matching {result['watches']:,.0f} watches, per item version ({result['versions']:,.0f} versions of "
            f"{result['distinct_items']:.0f} recorded items)",
            f"{result['index_us']:,.0f} µs ({result['candidates_mean']:.0f} candidates, max "
            f"{result['candidates_max']:.0f}; {result['matches_mean']:.0f} match)",
            f"loop over every watch {result['loop_us']:,.0f} µs ({result['loop_versions']:.0f} versions)",
            result["index_us"] / result["loop_us"],
            "well under 1x",
        )
        print(
            f"|  the item's words (once per version, both) | {result['text_us']:,.0f} µs | | | |\n"
            f"|  building the index (once per read of the watches, a minute) | {result['build_ms']:,.0f} ms | | | |"
        )
    if "cost" in chosen:
        from bench.cost import BUDGET, report

        if report() > BUDGET:
            status = 1
    if "catchup" in chosen and _catchup_rows():
        status = 1
    return status


def _catchup_rows() -> int:
    """Issue #12's scenarios on a simulated clock (200 ms an upstream request, 5 a second): one line each."""
    from bench.catchup import week_outage, year_backfill

    incomplete = 0
    for name, result in (
        ("one-year backfill of 60,000 questions (quiet)", year_backfill(60_000)),
        ("7-day outage, 165 questions a day", week_outage()),
    ):
        deliveries = ", ".join(f"{mode} {count:,}" for mode, count in sorted(result["deliveries"].items()))
        verdict = "complete" if result["complete"] else "INCOMPLETE"
        incomplete += not result["complete"]
        print(
            f"catchup: {name}: {result['invocations']} invocations, longest {result['longest']:.0f} s (timeout 300 s), "
            f"at most {result['rate']} upstream requests in any second (limit 5), records stored "
            f"{result['stored']:,}/{result['expected']:,}, queued per delivery: {deliveries}, "
            f"{result['aws_per_item']:.3f} fetcher AWS requests per item: {verdict}",
            flush=True,
        )
    return 1 if incomplete else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
