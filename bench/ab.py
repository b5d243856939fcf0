"""The rounds of bench/ab.sh: point query and full scan for every variant at every delay, the
variants in turn (rotating order) within each round; prints a Markdown table of medians and
ratios to the first variant."""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys

BENCH = os.path.dirname(os.path.abspath(__file__))


def parse_variant(text):
    label, _, rest = text.partition("=")
    build, _, options = rest.partition(":")
    if build not in ("base", "new") or not label:
        sys.exit(f"bench/ab.py: bad --variant {text!r} (LABEL=base|new[:PGOPTIONS])")
    return {"label": label, "build": build, "options": options.strip()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--libdir", required=True)
    ap.add_argument("--size", type=int, required=True)
    ap.add_argument("--delays", required=True)
    ap.add_argument("--rounds", type=int, required=True)
    ap.add_argument("--point-seconds", type=int, required=True)
    ap.add_argument("--base-rev", required=True)
    ap.add_argument("--new-rev", required=True)
    ap.add_argument("--variant", action="append", required=True)
    args = ap.parse_args()
    variants = [parse_variant(v) for v in args.variant]
    delays = [int(d) for d in args.delays.split()]
    endpoint = os.environ["DYNAMODB_ENDPOINT"]
    proxies = []

    def psql(sql, env=None):
        return subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
                              check=True, capture_output=True, text=True, env=env).stdout

    # One server and two foreign tables per delay; 0 is the emulator itself.
    tables = {}
    for d in delays:
        url = endpoint
        if d > 0:
            log = open(os.path.join(args.workdir, f"delay_proxy_{d}.log"), "w")
            proc = subprocess.Popen(["node", os.path.join(BENCH, "delay_proxy.mjs"), "--port", "0",
                                     "--target", endpoint, "--delay-ms", str(d)],
                                    stdout=subprocess.PIPE, stderr=log, text=True)
            m = re.match(r"listening on (\d+)", proc.stdout.readline())
            if not m:
                sys.exit("bench/ab.py: the delay proxy did not start")
            proxies.append(proc)
            url = f"http://127.0.0.1:{m.group(1)}"
        psql(f"create server ab_{d} foreign data wrapper dynamodb_wrapper options (region "
             f"'us-east-1', endpoint_url '{url}', aws_access_key_id 'test', "
             f"aws_secret_access_key 'test')")
        psql(f"create foreign table bench.ab_{d} (pk bigint, s text, n_int bigint, n_dec numeric, "
             f"flag boolean, m jsonb, b bytea) server ab_{d} options (table "
             f"'bench_items_{args.size}', rowid_column 'pk')")
        script = os.path.join(args.workdir, f"point_{d}.sql")
        with open(script, "w") as f:
            f.write(f"\\set k random(1, {args.size})\nselect * from bench.ab_{d} where pk = :k;\n")
        tables[d] = (f"bench.ab_{d}", script)

    def install(v):
        src = os.path.join(args.workdir, f"{v['build']}.so")
        tmp = os.path.join(args.libdir, "wrappers.so.ab")
        shutil.copyfile(src, tmp)
        os.replace(tmp, os.path.join(args.libdir, "wrappers.so"))

    def env_for(v):
        env = dict(os.environ)
        if v["options"]:
            env["PGOPTIONS"] = v["options"]
        return env

    def point(v, d):
        out = subprocess.run(["pgbench", "-n", "-M", "prepared", "-c", "1", "-T",
                              str(args.point_seconds), "-f", tables[d][1]],
                             check=True, capture_output=True, text=True, env=env_for(v)).stdout
        return float(re.search(r"latency average = ([\d.]+) ms", out).group(1))

    def scan(v, d, warm):
        cmd = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-v", f"table={tables[d][0]}"]
        if warm:
            cmd += ["-v", "warm=1"]
        out = subprocess.run(cmd + ["-f", os.path.join(BENCH, "sql", "scan.sql")], check=True,
                             capture_output=True, text=True, env=env_for(v)).stdout
        m = re.search(r"RESULT n=(\d+) secs=([\d.]+) cpu=([\d.]+)", out)
        if int(m.group(1)) != args.size:
            sys.exit(f"bench/ab.py: the scan read {m.group(1)} items, not {args.size}")
        return float(m.group(2)), float(m.group(3))

    # results[(workload, delay)][label] = list of values, one per round
    results = {}

    def add(key, label, value):
        results.setdefault(key, {}).setdefault(label, []).append(value)

    # An untimed pass first: the emulator's JIT and the proxies' connections warm up.
    for v in variants:
        install(v)
        for d in delays:
            scan(v, d, False)
    for r in range(args.rounds):
        order = variants[r % len(variants):] + variants[:r % len(variants)]
        for v in order:
            install(v)
            for d in delays:
                add(("point query, mean ms", d), v["label"], point(v, d))
                secs, cpu = scan(v, d, False)
                add(("full scan, first in its session, s", d), v["label"], secs)
                add(("full scan, first in its session, backend CPU s", d), v["label"], cpu)
                secs, cpu = scan(v, d, True)
                add(("full scan, second in its session, s", d), v["label"], secs)
                add(("full scan, second in its session, backend CPU s", d), v["label"], cpu)
            print(f"round {r + 1}: {v['label']} done", file=sys.stderr, flush=True)
    for p in proxies:
        p.terminate()

    ref = variants[0]["label"]
    print(f"base {args.base_rev}, new {args.new_rev}; {args.size} items; {args.rounds} rounds; "
          f"point query {args.point_seconds} s per round (pgbench, one client, prepared)\n")
    for v in variants:
        print(f"- **{v['label']}**: build {v['build']}"
              + (f", `PGOPTIONS='{v['options']}'`" if v["options"] else ""))
    print()
    head = "| workload | delay | " + " | ".join(v["label"] for v in variants) + " | " + \
        " | ".join(f"{v['label']} / {ref}" for v in variants[1:]) + " |"
    print(head)
    print("|" + "---|" * (2 + 2 * len(variants) - 1))
    for (workload, d), by_label in results.items():
        med = {v["label"]: statistics.median(by_label[v["label"]]) for v in variants}
        cells = [f"{med[v['label']]:.3f}" for v in variants]
        ratios = [f"{med[v['label']] / med[ref]:.2f}x" if med[ref] > 0 else "—" for v in variants[1:]]
        delay = "loopback" if d == 0 else f"+{d} ms"
        print(f"| {workload} | {delay} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    print("\nEvery round, in order:\n")
    for (workload, d), by_label in results.items():
        delay = "loopback" if d == 0 else f"+{d} ms"
        print(f"- {workload}, {delay}: " + "; ".join(
            f"{label} " + ", ".join(f"{x:.3f}" for x in xs) for label, xs in by_label.items()))


if __name__ == "__main__":
    main()
