"""Cold start: importing the package and the first call, each in a fresh interpreter.

The child times only the statement (``time.perf_counter`` around it), not the interpreter's
own start. Pairs: ``import codomyrmex_cloud`` against ``import boto3`` and ``import codaio``;
the first ``S3Client()`` against the first ``boto3.client("s3")`` (imports included); the first
``CodaClient().list_docs()`` against codaio's ``Coda.from_environment().list_docs()``, both
against the fake Coda server on loopback (no latency, so the figure is startup cost).
"""

from __future__ import annotations

import os
import subprocess
import sys

from benchmarks.coda_fake import SlowCoda, coda_environment, seed_table, serve
from benchmarks.options import Options
from benchmarks.stats import Figure, Run, Side, measure, seconds_of
from codomyrmex_cloud import RateLimits

TIMER = "import time\n_start = time.perf_counter()\n{statement}\nprint(time.perf_counter() - _start)\n"
#: A region and credentials so building an S3 client needs no config file; nothing is sent.
AWS_ENV = {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}

STATEMENTS = {
    "import ours": "import codomyrmex_cloud",
    "import boto3": "import boto3",
    "import codaio": "import codaio",
    "S3Client()": "from codomyrmex_cloud import S3Client\nS3Client()",
    "boto3.client": "import boto3\nboto3.client('s3')",
    "CodaClient().list_docs()": "from codomyrmex_cloud import CodaClient\nCodaClient().list_docs()",
    "codaio list_docs": "from codaio import Coda\nCoda.from_environment().list_docs()",
}


def _child(statement: str) -> Side:
    def run() -> Run:
        done = subprocess.run(
            [sys.executable, "-c", TIMER.format(statement=statement)],
            env={**os.environ, **AWS_ENV},
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{statement!r} failed:\n{done.stderr[-2000:]}")
        return Run(float(done.stdout.strip().splitlines()[-1]))

    return run


def run(options: Options) -> list[Figure]:
    fake = SlowCoda(latency=0.0, rate_limits=RateLimits.disabled())
    seed_table(fake, rows=10)
    with serve(fake) as base_url, coda_environment(base_url):
        imports = measure(
            {n: _child(STATEMENTS[n]) for n in ("import ours", "import boto3", "import codaio")}, runs=options.runs
        )
        s3 = measure({n: _child(STATEMENTS[n]) for n in ("S3Client()", "boto3.client")}, runs=options.runs)
        coda = measure(
            {n: _child(STATEMENTS[n]) for n in ("CodaClient().list_docs()", "codaio list_docs")}, runs=options.runs
        )

    def figure(name: str, ours_label: str, peer_label: str, ours: list[Run], peer: list[Run]) -> Figure:
        return Figure("startup", name, ours_label, peer_label, seconds_of(ours), seconds_of(peer))

    return [
        figure(
            "Cold import", "import codomyrmex_cloud", "import boto3", imports["import ours"], imports["import boto3"]
        ),
        figure(
            "Cold import", "import codomyrmex_cloud", "import codaio", imports["import ours"], imports["import codaio"]
        ),
        figure(
            "First S3 client, fresh process", "S3Client()", "boto3.client('s3')", s3["S3Client()"], s3["boto3.client"]
        ),
        figure(
            "First Coda call, fresh process",
            "CodaClient().list_docs()",
            "codaio Coda.from_environment().list_docs()",
            coda["CodaClient().list_docs()"],
            coda["codaio list_docs"],
        ),
    ]
