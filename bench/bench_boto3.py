"""The benchmark's boto3 side: the script a user would otherwise write.

    python3 bench/bench_boto3.py scan  --endpoint URL --table T [--page-size N] [--reps R]
    python3 bench/bench_boto3.py get   --endpoint URL --table T --keys N --seconds S
    python3 bench/bench_boto3.py batch --endpoint URL --table T --rows N   (Table.batch_writer)
    python3 bench/bench_boto3.py put   --endpoint URL --table T --rows N   (one put_item per row)

Each op first makes one untimed call (loading botocore's models, opening the connection).
scan pages through the table with the client's paginator and touches every item (counts the
items and sums n_int); get calls get_item for random keys in 1..N until S seconds have passed;
batch and put write the benchmark's item(i), i = 1..N (see bench/load.mjs), through the
resource API with native Python values. Prints one JSON object per run, as bench/floor does:
op, items, requests, seconds (wall), cpu_seconds (this process), mean_ms for get.
"""

import argparse
import json
import random
import sys
import time
from decimal import Decimal

import boto3
from boto3.dynamodb.types import Binary

REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}


def client(endpoint):
    return boto3.client("dynamodb", endpoint_url=endpoint, region_name=REGION, **CREDENTIALS)


def table(endpoint, name):
    tbl = boto3.resource("dynamodb", endpoint_url=endpoint, region_name=REGION, **CREDENTIALS).Table(name)
    tbl.get_item(Key={"pk": 0})  # untimed warm-up: loads the models, opens the connection
    return tbl


def native_item(i):
    """Item i of the benchmark tables, as native values for the resource API."""
    cents = i % 100000
    return {
        "pk": i,
        "s": f"name-{i:08d}",
        "n_int": (i * 7919) % 1000003,
        "n_dec": Decimal(f"{cents // 100}.{cents % 100:02d}"),
        "flag": i % 2 == 0,
        "m": {"k": f"v{i % 10}", "n": i % 100},
        "b": Binary(i.to_bytes(8, "big") * 2),
    }


def emit(op, items, requests, seconds, cpu, **extra):
    record = {"op": op, "items": items, "requests": requests, "seconds": round(seconds, 6), "cpu_seconds": round(cpu, 6)}
    record.update(extra)
    print(json.dumps(record), flush=True)


def run_scan(args):
    ddb = client(args.endpoint)
    paginator = ddb.get_paginator("scan")
    config = {"PageSize": args.page_size} if args.page_size else {}
    # Untimed: loads botocore's models and opens the connection, as a script's first call does.
    ddb.scan(TableName=args.table, Limit=1)
    for _ in range(args.reps):
        cpu0, t0 = time.process_time(), time.perf_counter()
        count = total = pages = 0
        for page in paginator.paginate(TableName=args.table, PaginationConfig=config):
            pages += 1
            for item in page["Items"]:
                count += 1
                total += int(item["n_int"]["N"])
        emit("scan", count, pages, time.perf_counter() - t0, time.process_time() - cpu0)


def run_get(args):
    ddb = client(args.endpoint)
    rng = random.Random(42)
    ddb.get_item(TableName=args.table, Key={"pk": {"N": "1"}})  # untimed warm-up
    count = 0
    cpu0, t0 = time.process_time(), time.perf_counter()
    deadline = t0 + args.seconds
    while True:
        out = ddb.get_item(TableName=args.table, Key={"pk": {"N": str(rng.randint(1, args.keys))}})
        if "Item" not in out:
            sys.exit("get_item: key not found")
        count += 1
        if time.perf_counter() >= deadline:
            break
    seconds = time.perf_counter() - t0
    emit("get", count, count, seconds, time.process_time() - cpu0, mean_ms=round(seconds * 1000 / count, 4))


def run_batch(args):
    tbl = table(args.endpoint, args.table)
    cpu0, t0 = time.process_time(), time.perf_counter()
    with tbl.batch_writer() as writer:
        for i in range(1, args.rows + 1):
            writer.put_item(Item=native_item(i))
    emit("batch", args.rows, (args.rows + 24) // 25, time.perf_counter() - t0, time.process_time() - cpu0)


def run_put(args):
    tbl = table(args.endpoint, args.table)
    cpu0, t0 = time.process_time(), time.perf_counter()
    for i in range(1, args.rows + 1):
        tbl.put_item(Item=native_item(i))
    emit("put", args.rows, args.rows, time.perf_counter() - t0, time.process_time() - cpu0)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("op", choices=["scan", "get", "batch", "put"])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--table", required=True)
    parser.add_argument("--page-size", type=int, default=0)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--keys", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=0)
    parser.add_argument("--rows", type=int, default=0)
    args = parser.parse_args()
    {"scan": run_scan, "get": run_get, "batch": run_batch, "put": run_put}[args.op](args)


if __name__ == "__main__":
    main()
