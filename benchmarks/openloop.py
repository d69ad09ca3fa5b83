"""The fixed-rate load of `fsi.py`, offered from a process of its own.

Visits start on a fixed schedule (visit *n* at *n* / rate seconds), each on a thread of a pool large enough that a
slow answer never holds the next arrival back: the load is open-loop, as hospitals' is. How late a visit started after
its moment (every thread busy) is recorded beside the latencies, so a run whose client fell behind says so instead of
quietly offering less. Running apart from the benchmark keeps its interpreter's lock and the server's bookkeeping out
of the client's way.

    python benchmarks/openloop.py JOB.json REPORT.json

``JOB.json`` holds ``url``, ``institutions`` (code, paasid, token, pharmacy), ``patients`` (ID numbers), ``visits``,
``rate`` (visits a second), ``threads`` and ``seed``; the report is written as JSON (see :func:`report_json`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from gongji.api.fsi.his_sim import Institution, SimReport, run_simulation


def report_json(report: SimReport) -> dict[str, Any]:
    """A report as plain JSON values."""
    return {
        "visits": report.visits,
        "completed": report.completed,
        "with_mutual_aid": report.with_mutual_aid,
        "refused": dict(report.refused),
        "identity_failures": report.identity_failures,
        "latencies_s": dict(report.latencies_s),
        "elapsed_s": report.elapsed_s,
        "start_delays_s": report.start_delays_s,
    }


def report_from_json(data: dict[str, Any]) -> SimReport:
    """The report :func:`report_json` wrote."""
    report = SimReport(
        visits=data["visits"],
        completed=data["completed"],
        with_mutual_aid=data["with_mutual_aid"],
        identity_failures=data["identity_failures"],
        elapsed_s=data["elapsed_s"],
        start_delays_s=data["start_delays_s"],
    )
    report.refused.update(data["refused"])
    for infno, values in data["latencies_s"].items():
        report.latencies_s[infno] = values
    return report


def main() -> None:
    job = json.loads(Path(sys.argv[1]).read_text())
    report = run_simulation(
        job["url"],
        [Institution(**place) for place in job["institutions"]],
        job["patients"],
        visits=job["visits"],
        concurrency=job["threads"],
        rate=job["rate"],
        reverse_every=0,
        undo_every=0,
        seed=job["seed"],
    )
    Path(sys.argv[2]).write_text(json.dumps(report_json(report)))


if __name__ == "__main__":
    main()
