"""Runs the benchmark's workloads and writes the report. Called by bench/run.sh, which has
installed and built everything, started PostgreSQL and the DynamoDB emulator (PGHOST, PGPORT,
DYNAMODB_ENDPOINT and DYNAMODB_BACKEND are set) and loaded the tables with bench/load.mjs.

Every workload runs three ways: through the wrapper (psql with bench/sql/*.sql, or pgbench),
through boto3 (bench/bench_boto3.py) and through the raw-HTTP floor (bench/build/floor). Each
figure is recorded with the command that reproduces it; the report goes to bench/results/.
"""

import argparse
import datetime
import glob
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from statistics import median
from urllib.request import urlopen

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
SQL = os.path.join(BENCH, "sql")
FLOOR = os.path.join(BENCH, "build", "floor")
BOTO3 = os.path.join(BENCH, "bench_boto3.py")
PG_BINDIR = os.environ.get("PG_BINDIR", "/usr/lib/postgresql/15/bin")
PSQL = [os.path.join(PG_BINDIR, "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"]
COLUMNS = "pk bigint, s text, n_int bigint, n_dec numeric, flag boolean, m jsonb, b bytea"
NOT_AVAILABLE = "not available"
WAYS = ("wrapper", "boto3", "floor")


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


def run(cmd, input_text=None, check=True, cwd=None):
    """Runs cmd (a list) and returns (returncode, stdout, stderr)."""
    proc = subprocess.run(cmd, input=input_text, capture_output=True, text=True, cwd=cwd)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{shlex.join(cmd)} exited {proc.returncode}:\n{proc.stderr.strip()}")
    return proc.returncode, proc.stdout, proc.stderr


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def echoed(stdout):
    """The `RESULT k=v ...` lines a psql script echoed, as dicts."""
    return [dict(kv.split("=", 1) for kv in line.split()[1:])
            for line in stdout.splitlines() if line.startswith("RESULT ")]


def fmt(v, digits=3):
    return "—" if v is None else f"{v:.{digits}f}"


def ratio(a, b):
    return "—" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def yes(ok):
    return "yes" if ok else "**no**"


def one_line(text, limit=240):
    return " ".join(text.split())[:limit]


class Bench:
    def __init__(self, args):
        self.args = args
        self.endpoint = os.environ["DYNAMODB_ENDPOINT"]
        self.backend = os.environ.get("DYNAMODB_BACKEND", args.backend)
        self.sizes = [int(s) for s in args.sizes.split()]
        self.memory_sizes = [int(s) for s in args.memory_sizes.split()]
        self.small = min(self.sizes)
        self.started = datetime.datetime.now(datetime.timezone.utc)
        self.workdir = args.workdir
        self.commands = []  # (reference, what, command text)
        self.rows = []  # the summary table
        self.details = []  # markdown lines of the detail section
        self.scan = {}  # size -> way -> {"seconds": [...], "cpu": [...]}
        self.proxy = None
        self.extra_ddl = ""
        self.load_start = os.getloadavg()

    # ----- running and recording -----

    def command(self, what, text):
        ref = f"C{len(self.commands) + 1}"
        self.commands.append((ref, what, text))
        return ref

    def show(self, cmd):
        """A command as the report shows it: endpoints as variables, paths from the root."""
        text = shlex.join(cmd).replace(self.endpoint, "$DYNAMODB_ENDPOINT")
        if self.proxy:
            text = text.replace(self.proxy["url"], "$PROXY_ENDPOINT")
        for tool in ("psql", "pgbench"):
            text = text.replace(os.path.join(PG_BINDIR, tool), tool)
        return text.replace(ROOT + "/", "").replace(self.args.python, "python3")

    def psql_file(self, name, check=True, **variables):
        cmd = PSQL + [a for k, v in variables.items() for a in ("-v", f"{k}={v}")] + ["-f", os.path.join(SQL, name)]
        rc, out, err = run(cmd, check=check)
        return rc, echoed(out), err, cmd

    def psql(self, sql, check=True):
        return run(PSQL, sql, check)

    def floor(self, *args):
        cmd = [FLOOR, *args] + ([] if "--endpoint" in args else ["--endpoint", self.endpoint])
        return json_lines(run(cmd)[1]), cmd

    def boto3(self, *args):
        cmd = [self.args.python, BOTO3, *args] + ([] if "--endpoint" in args else ["--endpoint", self.endpoint])
        return json_lines(run(cmd)[1]), cmd

    def wrapper_scan(self, table, warm=False):
        """One measured scan of a foreign table in a new session (bench/sql/scan.sql); with warm,
        the session's second scan of it."""
        _, res, _, cmd = self.psql_file("scan.sql", table=table, **({"warm": 1} if warm else {}))
        r = res[0]
        return {"items": int(r["n"]), "seconds": float(r["secs"]), "cpu": float(r["cpu"]),
                "requests": int(r["requests"]), "hwm_before_kb": int(r["hwm_before_kb"]),
                "hwm_after_kb": int(r["hwm_after_kb"])}, cmd

    def pgbench(self, cmd):
        """Runs a pgbench command; its mean latency in ms and its transaction count (as text)."""
        rc, out, err = run(cmd, check=False)
        m = re.search(r"latency average = ([\d.]+) ms", out)
        tx = re.search(r"number of transactions actually processed: (\d+)", out)
        if rc != 0 or not m:
            raise RuntimeError(f"pgbench failed:\n{out}\n{err}")
        return float(m.group(1)), tx.group(1) if tx else "?"

    # ----- setup -----

    def setup(self):
        tables = " ".join(str(n) for n in sorted(set(self.sizes + self.memory_sizes)))
        _, _, _, cmd = self.psql_file("setup.sql", endpoint=self.endpoint, sizes=tables, point_size=self.small)
        self.setup_cmd = self.show(cmd)

    # ----- workloads -----

    def run_scans(self):
        reps = self.args.reps
        log("warming up the emulator: one untimed floor scan of every table")
        for n in self.sizes:
            self.floor("scan", "--table", f"bench_items_{n}")
        for n in self.sizes:
            log(f"scan of {n} items: floor, wrapper, boto3, {reps} rounds")
            runs = {way: [] for way in WAYS}
            cmds = {}
            warm_runs = []
            # Each round runs every way once, in a rotating order, each in a new process or
            # session, so that a drift in the emulator's speed is shared out evenly. Right after
            # the wrapper's scan, a session of its own scans the table twice and measures the
            # second scan: a backend that has scanned before.
            for rep in range(reps):
                for way in WAYS[rep % 3:] + WAYS[:rep % 3]:
                    if way == "wrapper":
                        warm, cmds["warm"] = self.wrapper_scan(f"bench.items_{n}", warm=True)
                        if warm["items"] != n:
                            raise RuntimeError(f"second scan of bench_items_{n} returned {warm['items']} items")
                        warm_runs.append(warm)
                        r, cmds[way] = self.wrapper_scan(f"bench.items_{n}")
                    else:
                        out, cmds[way] = (self.floor if way == "floor" else self.boto3)(
                            "scan", "--table", f"bench_items_{n}")
                        r = {"items": out[0]["items"], "seconds": out[0]["seconds"], "cpu": out[0]["cpu_seconds"],
                             "requests": out[0]["requests"]}
                    if r["items"] != n:
                        raise RuntimeError(f"{way} scan of bench_items_{n} returned {r['items']} items, expected {n}")
                    runs[way].append(r)
            self.scan[n] = {way: {"seconds": [r["seconds"] for r in rs], "cpu": [r["cpu"] for r in rs],
                                  "requests": rs[0].get("requests", "")} for way, rs in runs.items()}
            self.scan[n]["refs"] = ", ".join(
                self.command(f"scan of {n:,} items: {way} (one round)", self.show(cmds[way])) for way in WAYS)
            self.scan[n]["warm"] = {"seconds": [r["seconds"] for r in warm_runs],
                                    "cpu": [r["cpu"] for r in warm_runs],
                                    "requests": warm_runs[0]["requests"],
                                    "ref": self.command(f"scan of {n:,} items: wrapper, the session's second scan "
                                                        "(one round)", self.show(cmds["warm"]))}

        for n in self.sizes:
            w, b, f = (median(self.scan[n][k]["seconds"]) for k in WAYS)
            self.rows.append(
                (f"full scan, {n:,} items (s, median of {reps})", fmt(w), fmt(b), fmt(f), ratio(w, f), ratio(b, w),
                 "wrapper/floor ≤ 1.15, boto3/wrapper ≥ 3", yes(w / f <= 1.15 and b / w >= 3), self.scan[n]["refs"]))
        per_item = {k: [median(self.scan[n][k]["seconds"]) / n * 1e6 for n in self.sizes] for k in WAYS}
        spread = max(per_item["wrapper"]) / min(per_item["wrapper"])
        self.rows.append(
            ("scan time per item at " + " / ".join(f"{n:,}" for n in self.sizes) + " items (µs)",
             *(" / ".join(f"{v:.1f}" for v in per_item[k]) for k in WAYS), "", "",
             "linear: the wrapper's time per item varies ≤ 1.25x", f"{yes(spread <= 1.25)} ({spread:.2f}x)",
             "as above"))
        for n in self.sizes:
            cpu = [median(self.scan[n][k]["cpu"]) / n * 1e6 for k in WAYS]
            self.rows.append(
                (f"CPU per item, scan of {n:,} items (µs; wrapper: the backend, all its threads)", *(fmt(v, 2) for v in cpu),
                 ratio(cpu[0], cpu[2]), ratio(cpu[1], cpu[0]), "reported", "—", self.scan[n]["refs"]))

        for n in self.sizes:
            wm, f = median(self.scan[n]["warm"]["seconds"]), median(self.scan[n]["floor"]["seconds"])
            wcpu = median(self.scan[n]["warm"]["cpu"]) / n * 1e6
            self.rows.append(
                (f"full scan, {n:,} items, the session's second scan (s, median of {reps}; CPU µs per item)",
                 f"{fmt(wm)} ({fmt(wcpu, 2)} µs)", "—", fmt(f), ratio(wm, f), "—",
                 "reported: a backend that has scanned before", "—",
                 f"{self.scan[n]['warm']['ref']}, {self.scan[n]['refs'].split(', ')[2]}"))

        self.details += ["### Scans, every round", "",
                         "| items | way | seconds | CPU seconds | requests |", "|---|---|---|---|---|"]
        for n in self.sizes:
            for k in WAYS + ("warm",):
                s = self.scan[n][k]
                label = "wrapper, second scan" if k == "warm" else k
                self.details.append(f"| {n:,} | {label} | {', '.join(fmt(v) for v in s['seconds'])} | "
                                    f"{', '.join(fmt(v) for v in s['cpu'])} | {s['requests']} |")
        self.details += [
            "",
            "The wrapper's CPU is the backend's, all its threads (the wrapper's I/O thread, which receives and "
            "parses the pages, included), read by the backend itself before and after the scan "
            "(bench.cpu_seconds() in bench/sql/setup.sql: each thread's /proc/self/task/*/schedstat, else "
            "utime + stime of the process); boto3's "
            "and the floor's are their own process's user + system time. Each round starts a new psql session "
            "(whose EXPLAIN connects and describes the table before the clock starts), a new boto3 process "
            "(one untimed call first) and a new floor process.",
            "",
        ]

    def run_callgrind(self):
        n = self.args.callgrind_size
        if not n:
            return
        log(f"instructions per item: the scan of {n} items under callgrind (single-user backend)")
        as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        base = tempfile.mkdtemp(prefix="dynamodb-bench-cg.")
        costs, entered, threads, shown = {}, {}, {}, {}
        try:
            os.chmod(base, 0o755)
            if as_pg:
                shutil.chown(base, "postgres", "postgres")
            data, sock = os.path.join(base, "data"), os.path.join(base, "sock")
            run(as_pg + ["mkdir", sock])
            run(as_pg + [os.path.join(PG_BINDIR, "initdb"), "-D", data, "-U", "postgres", "--auth=trust",
                         "--no-locale", "--encoding=UTF8", "--no-sync"], cwd="/")
            # The same objects as the main cluster, made by bench/sql/setup.sql on a short-lived
            # server (socket only), which is then stopped for the single-user runs.
            pg_ctl = [os.path.join(PG_BINDIR, "pg_ctl"), "-D", data, "-w"]
            run(as_pg + pg_ctl + ["-o", f"-c listen_addresses='' -c unix_socket_directories={sock} -c port=5432",
                                  "-l", os.path.join(base, "server.log"), "start"], cwd="/")
            try:
                run(PSQL + ["-h", sock, "-p", "5432", "-v", f"endpoint={self.endpoint}", "-v", f"sizes={n}",
                            "-v", f"point_size={n}", "-f", os.path.join(SQL, "setup.sql")])
            finally:
                run(as_pg + pg_ctl + ["-m", "fast", "stop"], cwd="/")
            single = [os.path.join(PG_BINDIR, "postgres"), "--single", "-D", data, "-c", "fsync=off",
                      "postgres"]
            for label, table in (("baseline", "bench.empty"), ("scan", f"bench.items_{n}")):
                script = (f"explain select * from {table};\n"
                          f"select count(*), sum(length(t::text)) from {table} t;\n")
                out = os.path.join(base, f"callgrind.{label}.out")
                # One output file per thread (out-01, out-02, ...): the backend's own thread and
                # the threads the wrapper starts (its HTTP I/O thread, where pages are parsed).
                cmd = ["valgrind", "--tool=callgrind", "--separate-threads=yes",
                       f"--callgrind-out-file={out}"] + single
                t0 = time.perf_counter()
                _, stdout, _ = run(as_pg + cmd, script, cwd="/")
                log(f"  callgrind {label}: {time.perf_counter() - t0:.0f} s")
                expected = n if label == "scan" else 0
                if f'count = "{expected}"' not in stdout:
                    raise RuntimeError(f"callgrind {label} did not return {expected} rows:\n{stdout}")
                parts = sorted(glob.glob(glob.escape(out) + "-*"))
                if not parts:
                    raise RuntimeError(f"callgrind {label} wrote no output files ({out}-*)")
                costs[label], entered[label], threads[label] = callgrind_costs(parts, "wrappers.so")
                for part in parts:
                    shutil.copy(part, os.path.join(self.workdir, os.path.basename(part)))
                lines = " ".join(shlex.quote(line) for line in script.splitlines())
                shown[label] = (f"printf '%s\\n' {lines} |\n  "
                                + self.show(cmd).replace(out, f"callgrind.{label}.out").replace(data, "$CG_DATA"))
            report_point = self.callgrind_point(base, as_pg, single, data, n)
        finally:
            shutil.rmtree(base, ignore_errors=True)
        total = (sum(costs["scan"].values()) - sum(costs["baseline"].values())) / n
        backend = (entered["scan"] - entered["baseline"]) / n
        io_thread = (threads["scan"] - threads["baseline"]) / n
        wrapper = backend + io_thread
        ref = self.command(
            f"instructions per item: initdb a cluster in $CG_DATA, run bench/sql/setup.sql in it "
            f"(-v sizes={n}), stop it, then the baseline and the scan in single-user mode under callgrind "
            f"(as the postgres OS user)",
            shown["baseline"] + "\n" + shown["scan"])
        self.rows.append((f"instructions per item in the wrapper, scan of {n:,} items (callgrind)", f"{wrapper:,.0f}",
                          "—", "—", "—", "—", "reported; aim < 3,000", yes(wrapper < 3000), ref))
        self.rows.append((f"… of which in the backend's thread / in the wrapper's I/O thread", f"{backend:,.0f} / {io_thread:,.0f}",
                          "—", "—", "—", "—", "reported", "—", ref))
        self.rows.append((f"instructions per item, whole query, scan of {n:,} items (callgrind)", f"{total:,.0f}",
                          "—", "—", "—", "—", "reported", "—", ref))
        objects = sorted(set(costs["scan"]) | set(costs["baseline"]),
                         key=lambda o: costs["baseline"].get(o, 0) - costs["scan"].get(o, 0))
        self.details += [f"### Instructions per item by object (scan of {n:,} items minus the empty table)", "",
                         "| object | instructions per item |", "|---|---|"]
        for obj in objects:
            d = (costs["scan"].get(obj, 0) - costs["baseline"].get(obj, 0)) / n
            if abs(d) >= 1:
                self.details.append(f"| {obj} | {d:,.0f} |")
        self.details += [
            f"| total | {total:,.0f} |", "",
            "The wrapper's figure has two parts, each scan minus baseline, per item. In the backend's thread: the "
            "inclusive cost of the calls from PostgreSQL into wrappers.so (the FDW callbacks with everything they "
            "call: reading the parsed pages into items, converting them, and PostgreSQL functions such as "
            "numeric_in and jsonb_in). In the threads the wrapper starts: everything they run (the HTTP "
            "transfers, and parsing each page with simdjson). The whole query adds what PostgreSQL does with the "
            "rows (each row as text, the aggregates). The baseline runs the same statements on an empty table. "
            "Callgrind counts instructions, so the figure does not depend on the machine's load.",
            "",
        ]
        report_point()

    def run_point(self):
        n, secs = self.small, self.args.point_seconds
        # pgbench's latency on a small machine moves between runs by more than the targets'
        # margins (the scheduling of pgbench, the backend and the emulator on few cores), so the
        # three loops run in rounds, in a rotating order as the scans do, and the medians count.
        rounds = 1 if self.args.quick else 3
        log(f"point query on {n} items: pgbench, boto3 get_item, floor GetItem ({secs} s each, {rounds} rounds)")
        cmd = [os.path.join(PG_BINDIR, "pgbench"), "-n", "-M", "prepared", "-c", "1", "-T", str(secs),
               "-D", f"n={n}", "-f", os.path.join(SQL, "point.sql")]
        runs = {"wrapper": [], "boto3": [], "floor": []}
        counts = {"wrapper": [], "boto3": [], "floor": []}
        cpu_us = {"boto3": [], "floor": []}  # the client process's CPU per request
        for rnd in range(rounds):
            for way in WAYS[rnd % 3:] + WAYS[:rnd % 3]:
                if way == "wrapper":
                    ms, tx = self.pgbench(cmd)
                    runs[way].append(ms)
                    counts[way].append(tx)
                else:
                    res, way_cmd = (self.boto3 if way == "boto3" else self.floor)(
                        "get", "--table", f"bench_items_{n}", "--keys", str(n), "--seconds", str(secs))
                    runs[way].append(res[0]["mean_ms"])
                    counts[way].append(str(res[0]["requests"]))
                    cpu_us[way].append(res[0]["cpu_seconds"] * 1e6 / max(res[0]["requests"], 1))
                    if way == "boto3":
                        bo_cmd = way_cmd
                    else:
                        fo_cmd = way_cmd
        wrapper_ms, b, f = median(runs["wrapper"]), median(runs["boto3"]), median(runs["floor"])
        refs = ", ".join((self.command("point query: wrapper (pgbench, bench.point is bench_items_{n})".format(n=n),
                                       self.show(cmd)),
                          self.command("point query: boto3 get_item loop", self.show(bo_cmd)),
                          floor_ref := self.command("point query: floor GetItem loop (one keep-alive connection)",
                                                    self.show(fo_cmd))))
        self.rows.append(
            (f"point query by key, {n:,}-item table (mean ms, median of {rounds})", fmt(wrapper_ms), fmt(b), fmt(f),
             ratio(wrapper_ms, f), ratio(b, wrapper_ms), "wrapper/floor ≤ 1.5, wrapper < boto3 get_item",
             yes(wrapper_ms / f <= 1.5 and wrapper_ms < b), refs))
        # The same lookups without a client round trip between them (a PL/pgSQL loop timed inside
        # the server, with the backend's CPU per lookup), and pgbench's own round trip (a query
        # with no work): what lies between the two.
        lookups = 2000 if self.args.quick else 5000
        _, res, _, loop_cmd = self.psql_file("point_loop.sql", n=n, lookups=lookups)
        r = res[0]
        if int(r["found"]) != lookups:
            raise RuntimeError(f"point_loop.sql found {r['found']} of {lookups} keys")
        loop_ms = float(r["secs"]) * 1000 / lookups
        loop_cpu_us = float(r["cpu"]) * 1e6 / lookups
        trip_cmd = [os.path.join(PG_BINDIR, "pgbench"), "-n", "-M", "prepared", "-c", "1", "-T", str(secs),
                    "-f", os.path.join(SQL, "roundtrip.sql")]
        rc, out, err = run(trip_cmd, check=False)
        lm = re.search(r"latency average = ([\d.]+) ms", out)
        if rc != 0 or not lm:
            raise RuntimeError(f"pgbench failed:\n{out}\n{err}")
        trip_ms = float(lm.group(1))
        loop_ref = self.command(f"point query inside one statement: {lookups} lookups in a PL/pgSQL loop, with "
                                "the backend's CPU", self.show(loop_cmd))
        trip_ref = self.command("pgbench's own round trip (`select 1`)", self.show(trip_cmd))
        floor_cpu_us, boto3_cpu_us = median(cpu_us["floor"]), median(cpu_us["boto3"])
        self.rows.append(
            (f"point query inside one statement, {lookups:,} lookups in a PL/pgSQL loop (mean ms)", fmt(loop_ms),
             "—", fmt(f), ratio(loop_ms, f), "—", "reported: the lookups without a client round trip", "—",
             f"{loop_ref}, {floor_ref}"))
        self.rows.append(
            ("CPU per point query (µs): the backend in the loop; boto3 and the floor, their process", f"{loop_cpu_us:.0f}",
             f"{boto3_cpu_us:.0f}", f"{floor_cpu_us:.0f}", ratio(loop_cpu_us, floor_cpu_us),
             ratio(boto3_cpu_us, loop_cpu_us), "reported", "—", f"{loop_ref}, {refs}"))
        self.details += [
            "### Point query", "",
            f"Each round, {secs} s of each loop. Mean ms per round: wrapper "
            f"{', '.join(fmt(v) for v in runs['wrapper'])}; boto3 {', '.join(fmt(v) for v in runs['boto3'])}; "
            f"floor {', '.join(fmt(v) for v in runs['floor'])}. Lookups per round: wrapper "
            f"{', '.join(counts['wrapper'])} transactions (pgbench, one client, prepared), boto3 "
            f"{', '.join(counts['boto3'])} get_item calls, floor {', '.join(counts['floor'])} GetItem requests.", "",
            f"Inside one statement ({loop_ref}) a lookup took {fmt(loop_ms)} ms against pgbench's "
            f"{fmt(wrapper_ms)} ms, and the backend spent {loop_cpu_us:.0f} µs on CPU per lookup (all its "
            f"threads; the floor's process {floor_cpu_us:.0f} µs per GetItem, boto3's {boto3_cpu_us:.0f} µs). "
            f"pgbench's own round trip, a prepared `select 1` ({trip_ref}), took {fmt(trip_ms)} ms. Under pgbench "
            "each lookup wakes three processes in turn (pgbench, the backend, the emulator) where the floor's "
            "wakes two; what pgbench's latency adds to the lookup and the round trip is that hand-over on this "
            "machine's CPUs. The backend, like the floor and boto3, sleeps in the kernel until its answer "
            "comes. The same lookups through the delay proxy are under *Remote latency*.", "",
        ]

    def table_count(self, table):
        runs, _ = self.floor("scan", "--table", table)
        return runs[0]["items"]

    def run_insert(self):
        rows, reps = self.args.insert_rows, self.args.reps
        log(f"bulk insert of {rows} rows: wrapper, boto3 batch_writer, floor BatchWriteItem ({reps} rounds), "
            "then one PutItem per row: boto3 put_item, floor PutItem")
        batch = {"wrapper": [], "boto3": [], "floor": []}
        cmds, note, wrapper_requests = {}, "", 0
        # Rounds as for the scans: the three batch writers in a rotating order, each into a table
        # that bench/load.mjs has just recreated empty.
        for rep in range(reps):
            run(["node", os.path.join(BENCH, "load.mjs"), "--empty", "bench_ins_wrapper", "--empty",
                 "bench_ins_boto3", "--empty", "bench_ins_floor"])
            for way in WAYS[rep % 3:] + WAYS[:rep % 3]:
                if way == "wrapper":
                    if note.startswith("The wrapper:"):
                        continue
                    rc, res, err, cmds[way] = self.psql_file("insert.sql", check=False, rows=rows)
                    if rc != 0:
                        note = (f"The wrapper: {NOT_AVAILABLE} (the INSERT answered: cannot insert into foreign "
                                "table)" if "cannot insert into foreign table" in err
                                else f"The wrapper: {NOT_AVAILABLE} (the INSERT failed: {one_line(err)})")
                        log(note)
                        continue
                    batch[way].append(float(res[0]["secs"]))
                    ops = dict(op.split(":") for op in res[0]["ops"].split(",") if ":" in op)
                    wrapper_requests = sum(int(v) for k, v in ops.items() if k != "DescribeTable")
                    note = f"The wrapper's session sent {', '.join(f'{k} {v}' for k, v in ops.items())} requests"
                else:
                    out, cmds[way] = (self.floor if way == "floor" else self.boto3)(
                        "batch", "--table", f"bench_ins_{way}", "--rows", str(rows))
                    batch[way].append(out[0]["seconds"])
                    if way == "floor":
                        floor_requests = out[0]["requests"]
                got = self.table_count(f"bench_ins_{way}")
                if got != rows:
                    raise RuntimeError(f"bench_ins_{way} holds {got} items after the insert, expected {rows}")
        per_row = {}
        for way, fn in (("boto3", self.boto3), ("floor", self.floor)):
            out, cmds[way + "_put"] = fn("put", "--table", f"bench_ins_{way}_put", "--rows", str(rows))
            per_row[way] = out[0]["seconds"]
            if self.table_count(f"bench_ins_{way}_put") != rows:
                raise RuntimeError(f"bench_ins_{way}_put does not hold {rows} items after the insert")
        w = median(batch["wrapper"]) if batch["wrapper"] else None
        b, f = median(batch["boto3"]), median(batch["floor"])
        ref_w = (self.command(f"bulk insert of {rows:,} rows: wrapper (into an empty table)", self.show(cmds["wrapper"]))
                 if w is not None else self.command("bulk insert: wrapper", self.show(cmds.get("wrapper", ["psql"]))))
        refs_batch = ", ".join((ref_w,
                                self.command(f"bulk insert of {rows:,} rows: boto3 batch_writer",
                                             self.show(cmds["boto3"])),
                                self.command(f"bulk insert of {rows:,} rows: floor BatchWriteItem",
                                             self.show(cmds["floor"]))))
        refs_put = ", ".join((ref_w,
                              self.command(f"one PutItem per row, {rows:,} rows: boto3 put_item",
                                           self.show(cmds["boto3_put"])),
                              self.command(f"one PutItem per row, {rows:,} rows: floor PutItem",
                                           self.show(cmds["floor_put"]))))
        na = w is None
        requests = "" if na else f"; requests: wrapper {wrapper_requests}, floor {floor_requests}"
        self.rows.append(
            (f"bulk insert, {rows:,} rows (s, median of {reps}{requests})", NOT_AVAILABLE if na else fmt(w), fmt(b),
             fmt(f), ratio(w, f), ratio(b, w), "wrapper < boto3 batch_writer",
             NOT_AVAILABLE if na else yes(w < b), refs_batch))
        self.rows.append(
            (f"one PutItem per row, {rows:,} rows (s, once; wrapper: its bulk insert)",
             NOT_AVAILABLE if na else fmt(w), fmt(per_row["boto3"]), fmt(per_row["floor"]),
             ratio(w, per_row["floor"]), ratio(per_row["boto3"], w), "boto3 put_item / wrapper ≥ 10",
             NOT_AVAILABLE if na else yes(per_row["boto3"] / w >= 10), refs_put))
        self.details += [
            "### Bulk insert", "",
            f"{note}. boto3 writes through the resource API with native values (Table.batch_writer, "
            f"Table.put_item). The floor sends BatchWriteItem with 25 rows a request, one request at a time, and "
            f"one PutItem per row. Seconds per round: "
            + "; ".join(f"{way} {', '.join(fmt(v) for v in batch[way])}" for way in WAYS if batch[way])
            + f". Every target table holds {rows:,} items afterwards (counted with a Scan).", "",
        ]

    def start_proxy(self, delay_ms):
        cmd = ["node", os.path.join(BENCH, "delay_proxy.mjs"), "--port", "0", "--target", self.endpoint,
               "--delay-ms", str(delay_ms)]
        with open(os.path.join(self.workdir, "delay_proxy.log"), "w") as errlog:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errlog, text=True)
        m = re.match(r"listening on (\d+)", proc.stdout.readline())
        if not m:
            proc.kill()
            raise RuntimeError("the delay proxy did not start")
        self.proxy = {"proc": proc, "url": f"http://127.0.0.1:{m.group(1)}", "cmd": cmd}

    def stop_proxy(self):
        if self.proxy and self.proxy["proc"].poll() is None:
            self.proxy["proc"].terminate()
            self.proxy["proc"].wait(timeout=10)

    def remote_server(self, url):
        """Points the server dynamodb_remote at url, creating it on first use; the DDL that
        created it, or "" when it existed."""
        _, out, _ = self.psql("select 1 from pg_foreign_server where srvname = 'dynamodb_remote'")
        if out.strip():
            self.psql(f"alter server dynamodb_remote options (set endpoint_url '{url}')")
            return ""
        ddl = ("create server dynamodb_remote foreign data wrapper dynamodb_wrapper options (region 'us-east-1', "
               f"endpoint_url '{url}', aws_access_key_id 'test', aws_secret_access_key 'test');\n")
        self.psql(ddl)
        return ddl

    def run_remote(self):
        """The point query and the full scan of the smallest table through the delay proxy, at each
        of --remote-delays: the wrapper, boto3 and the floor against a server milliseconds away."""
        n, secs, reps = self.small, self.args.point_seconds, self.args.reps
        delays = [int(d) for d in self.args.remote_delays.split()]
        if not delays:
            return
        self.details += ["### Remote latency", "",
                         "The point query and the full scan of the smallest table through `bench/delay_proxy.mjs`, "
                         "which holds each request for the given delay before it forwards it to the emulator: "
                         "a DynamoDB endpoint that far away. The server `dynamodb_remote` is pointed at the "
                         "proxy of each delay in turn (`alter server dynamodb_remote options (set endpoint_url "
                         "'<PROXY_ENDPOINT>')`); pages are DynamoDB's (up to 1 MB).", ""]
        for delay in delays:
            log(f"remote latency +{delay} ms: point query (1 round of {secs} s each) and scan of {n} items "
                f"({reps} rounds)")
            self.start_proxy(delay)
            url = self.proxy["url"]
            ddl = self.remote_server(url)
            _, out, _ = self.psql("select 1 from pg_class where oid = to_regclass('bench.remote_items')")
            if not out.strip():
                ddl += (f"create foreign table bench.remote_items ({COLUMNS}) server dynamodb_remote options "
                        f"(table 'bench_items_{n}', rowid_column 'pk');\n")
                self.psql(ddl.splitlines()[-1])
            self.extra_ddl += ddl.replace(url, "<PROXY_ENDPOINT>")
            proxy_ref = self.command(f"the delay proxy (+{delay} ms a request; PROXY_ENDPOINT is its address)",
                                     self.show(self.proxy["cmd"]))
            # One round of the three point loops (the delay, not the scheduling, dominates), in
            # an order that rotates with the delay.
            pg_cmd = [os.path.join(PG_BINDIR, "pgbench"), "-n", "-M", "prepared", "-c", "1", "-T", str(secs),
                      "-D", f"n={n}", "-f", os.path.join(SQL, "point_remote.sql")]
            point, cmds = {}, {}
            k = delays.index(delay) % 3
            for way in WAYS[k:] + WAYS[:k]:
                if way == "wrapper":
                    point[way], tx = self.pgbench(pg_cmd)
                    cmds[way] = pg_cmd
                else:
                    res, cmds[way] = (self.boto3 if way == "boto3" else self.floor)(
                        "get", "--table", f"bench_items_{n}", "--keys", str(n), "--seconds", str(secs),
                        "--endpoint", url)
                    point[way] = res[0]["mean_ms"]
            refs = ", ".join([proxy_ref] + [self.command(f"point query +{delay} ms: {way}", self.show(cmds[way]))
                                            for way in WAYS])
            w, b, f = (point[way] for way in WAYS)
            self.rows.append(
                (f"point query by key, {n:,}-item table, +{delay} ms a request (mean ms, one round)", fmt(w),
                 fmt(b), fmt(f), ratio(w, f), ratio(b, w), "reported", "—", refs))
            scans, cmds = {way: [] for way in WAYS}, {}
            for rep in range(reps):
                for way in WAYS[rep % 3:] + WAYS[:rep % 3]:
                    if way == "wrapper":
                        r, cmds[way] = self.wrapper_scan("bench.remote_items")
                        items, seconds = r["items"], r["seconds"]
                    else:
                        out, cmds[way] = (self.floor if way == "floor" else self.boto3)(
                            "scan", "--table", f"bench_items_{n}", "--endpoint", url)
                        items, seconds = out[0]["items"], out[0]["seconds"]
                    if items != n:
                        raise RuntimeError(f"{way} scan through the proxy returned {items} items, expected {n}")
                    scans[way].append(seconds)
            self.stop_proxy()
            refs = ", ".join([proxy_ref] + [self.command(f"scan of {n:,} items +{delay} ms: {way} (one round)",
                                                         self.show(cmds[way])) for way in WAYS])
            w, b, f = (median(scans[way]) for way in WAYS)
            self.rows.append(
                (f"full scan, {n:,} items, +{delay} ms a request (s, median of {reps})", fmt(w), fmt(b), fmt(f),
                 ratio(w, f), ratio(b, w), "reported", "—", refs))
            self.details += [
                f"- +{delay} ms: point query mean ms wrapper {fmt(point['wrapper'])}, boto3 {fmt(point['boto3'])}, "
                f"floor {fmt(point['floor'])}; scan seconds per round: "
                + "; ".join(f"{way} {', '.join(fmt(v) for v in scans[way])}" for way in WAYS) + "."]
        self.details.append("")

    # ----- writes through the delay proxy -----

    WRITE_ROWS = 10000
    WRITE_SELECT = ("select i, 'name-' || lpad(i::text, 8, '0'), (i * 7919) % 1000003, "
                    "((i % 100000) / 100.0)::numeric(12, 2), i % 2 = 0, "
                    "jsonb_build_object('k', 'v' || (i % 10), 'n', i % 100), int8send(i) || int8send(i) "
                    "from generate_series(1, {rows}) as i")
    # The rows an UPDATE and a DELETE select by a non-key condition: 1,000 each of the 10,000
    # (n_dec is i / 100 for i up to 100,000).
    WRITE_RANGES = {"update": ("0", "10"), "delete": ("10", "20")}

    def run_remote_writes(self):
        """Writes through the delay proxy at each of --remote-delays: a 10,000-row INSERT ... SELECT,
        COPY of the same rows, and an UPDATE and a DELETE of 1,000 rows each selected by a non-key
        condition; the wrapper with its default write_concurrency and with write_concurrency 1 (one
        request at a time), the floor with the same number of requests in flight and one at a time."""
        delays = [int(d) for d in self.args.remote_delays.split()]
        if not delays:
            return
        rows, conc = self.WRITE_ROWS, self.args.write_concurrency
        copy_file = os.path.join(self.workdir, "write_rows.tsv")
        # Written by psql (\copy), read by the server's COPY.
        self.psql(f"\\copy ({self.WRITE_SELECT.format(rows=rows)}) to '{copy_file}'")
        os.chmod(self.workdir, 0o755)
        os.chmod(copy_file, 0o644)
        self.details += ["### Writes through the delay proxy", "",
                         f"A {rows:,}-row INSERT ... SELECT (the bulk insert's rows), COPY of the same rows from a "
                         "file, then an UPDATE of the 1,000 rows with 0 < n_dec <= 10 and a DELETE of the 1,000 "
                         "rows with 10 < n_dec <= 20 (non-key conditions: a Scan, then one conditional UpdateItem "
                         "or DeleteItem a row), through `bench/delay_proxy.mjs`. The wrapper runs with "
                         f"write_concurrency {conc} (its default) and with write_concurrency 1 (one request at a "
                         f"time, as before writes went in flight); the floor (`floor batch`, `floor update`, "
                         f"`floor delete`) with {conc} requests in flight and one at a time. Each figure is one "
                         "run; the table is recreated empty before each INSERT and each COPY.", ""]
        for delay in delays:
            log(f"remote writes +{delay} ms: insert {rows}, copy, update 1000, delete 1000; "
                f"wrapper and floor, {conc} in flight and one at a time")
            self.start_proxy(delay)
            url = self.proxy["url"]
            ddl = self.remote_server(url)
            _, out, _ = self.psql("select 1 from pg_class where oid = to_regclass('bench.w_remote')")
            if not out.strip():
                ddl += (f"create foreign table bench.w_remote ({COLUMNS}) server dynamodb_remote options "
                        f"(table 'bench_w_wrapper', rowid_column 'pk');\n")
                self.psql(ddl.splitlines()[-1])
            self.extra_ddl += ddl.replace(url, "<PROXY_ENDPOINT>")
            proxy_ref = self.command(f"the delay proxy (+{delay} ms a request; PROXY_ENDPOINT is its address)",
                                     self.show(self.proxy["cmd"]))
            stmts = {
                "insert": "insert into bench.w_remote (pk, s, n_int, n_dec, flag, m, b) "
                          + self.WRITE_SELECT.format(rows=rows),
                "copy": f"copy bench.w_remote (pk, s, n_int, n_dec, flag, m, b) from '{copy_file}'",
                "update": "update bench.w_remote set s = 'updated' where n_dec > {0} and n_dec <= {1}".format(
                    *self.WRITE_RANGES["update"]),
                "delete": "delete from bench.w_remote where n_dec > {0} and n_dec <= {1}".format(
                    *self.WRITE_RANGES["delete"]),
            }
            expected = {"insert": rows, "copy": rows, "update": 1000, "delete": 1000}
            times, cmds, requests = {}, {}, {}
            for way, c in (("wrapper", conc), ("wrapper", 1), ("floor", conc), ("floor", 1)):
                table = f"bench_w_{way}"
                if way == "wrapper":
                    self.psql(f"alter foreign table bench.w_remote options (set write_concurrency '{c}')"
                              if self.has_option("bench.w_remote", "write_concurrency") else
                              f"alter foreign table bench.w_remote options (add write_concurrency '{c}')")
                for op in ("insert", "update", "delete", "copy"):
                    if op in ("insert", "copy"):
                        run(["node", os.path.join(BENCH, "load.mjs"), "--empty", table])
                    if way == "wrapper":
                        _, res, _, cmd = self.psql_file("write.sql", stmt=stmts[op])
                        secs, got = float(res[0]["secs"]), int(res[0]["rows"])
                        ops = dict(o.split(":") for o in res[0]["ops"].split(",") if ":" in o)
                        requests[(way, c, op)] = ", ".join(f"{k} {v}" for k, v in ops.items() if k != "DescribeTable")
                    else:
                        kind = "batch" if op in ("insert", "copy") else op
                        args = ["--rows", str(rows)] if kind == "batch" else \
                            ["--above", self.WRITE_RANGES[op][0], "--upto", self.WRITE_RANGES[op][1]]
                        out, cmd = self.floor(kind, "--table", table, "--endpoint", url, "--concurrency", str(c),
                                              *args)
                        secs, got = out[0]["seconds"], out[0]["items"]
                        requests[(way, c, op)] = str(out[0]["requests"])
                    if got != expected[op]:
                        raise RuntimeError(f"{way} {op} (concurrency {c}) changed {got} rows, expected {expected[op]}")
                    times[(way, c, op)] = secs
                    cmds[(way, c, op)] = cmd
                    held = self.table_count(table)
                    want = {"insert": rows, "update": rows, "delete": rows - 1000, "copy": rows}[op]
                    if held != want:
                        raise RuntimeError(f"{table} holds {held} items after the {way} {op}, expected {want}")
            self.stop_proxy()
            labels = {"insert": f"INSERT ... SELECT, {rows:,} rows", "copy": f"COPY, {rows:,} rows",
                      "update": "UPDATE of 1,000 rows by a non-key condition",
                      "delete": "DELETE of 1,000 rows by a non-key condition"}
            for op in ("insert", "copy", "update", "delete"):
                w, w1 = times[("wrapper", conc, op)], times[("wrapper", 1, op)]
                f, f1 = times[("floor", conc, op)], times[("floor", 1, op)]
                refs = ", ".join([proxy_ref] + [
                    self.command(f"{labels[op]} +{delay} ms: {way}, {'one at a time' if c == 1 else f'{c} in flight'}",
                                 self.show(cmds[(way, c, op)]))
                    for way, c in (("wrapper", conc), ("wrapper", 1), ("floor", conc), ("floor", 1))])
                met = w1 / w >= 5 and w / f <= 1.3 if delay >= 20 else w / f <= 1.3
                self.rows.append(
                    (f"{labels[op]}, +{delay} ms a request, {conc} in flight (s, one run; one at a time: "
                     f"wrapper {fmt(w1)}, floor {fmt(f1)})", fmt(w), "—", fmt(f), ratio(w, f), "—",
                     ("≥ 5x faster than one at a time and " if delay >= 20 else "") + "wrapper/floor ≤ 1.3x"
                     + f" (one at a time / in flight: {w1 / w:.1f}x)", yes(met), refs))
            self.details += [f"- +{delay} ms, requests sent: " + "; ".join(
                f"{op} wrapper {requests[('wrapper', conc, op)]} ({conc} in flight), "
                f"{requests[('wrapper', 1, op)]} (one at a time), floor {requests[('floor', conc, op)]}"
                for op in ("insert", "copy", "update", "delete")) + "."]
        self.details.append("")

    def has_option(self, table, option):
        _, out, _ = self.psql(f"select 1 from pg_foreign_table where ftrelid = '{table}'::regclass "
                              f"and '{option}' = any (select split_part(o, '=', 1) from unnest(ftoptions) o)")
        return bool(out.strip())

    def run_latency(self):
        n, page, segs, reps, delay = self.small, 100, 8, self.args.reps, self.args.delay_ms
        log(f"latency-bound scan of {n} items, +{delay} ms a request, pages of {page}: 1 and {segs} segments")
        self.start_proxy(delay)
        url = self.proxy["url"]
        server_ddl = self.remote_server(url)
        table_ddl = (f"create foreign table bench.remote_{{s}} ({COLUMNS}) server dynamodb_remote options "
                     f"(table 'bench_items_{n}', rowid_column 'pk', page_size '{page}'{{extra}});\n")
        ddl1 = table_ddl.format(s=1, extra="")
        ddl8 = table_ddl.format(s=segs, extra=f", segments '{segs}'")
        self.psql(ddl1)
        rc, _, err8 = self.psql(ddl8, check=False)
        self.extra_ddl += (server_ddl + ddl1 + ddl8).replace(url, "<PROXY_ENDPOINT>")
        wrapper = {1: [], segs: []}
        problem = None if rc == 0 else "creating the table answered: " + one_line(err8)
        for rep in range(reps):
            r, cmd1 = self.wrapper_scan("bench.remote_1")
            wrapper[1].append(r["seconds"])
            wrapper_requests = r["requests"]
            if problem is None:
                try:
                    r8, cmd8 = self.wrapper_scan(f"bench.remote_{segs}")
                except RuntimeError as e:
                    problem = "the scan failed: " + one_line(str(e).splitlines()[-1])
                    continue
                if r8["items"] != n:
                    problem = f"the scan returned {r8['items']} rows, not {n}"
                    continue
                wrapper[segs].append(r8["seconds"])
        common = ["--table", f"bench_items_{n}", "--page-size", str(page), "--endpoint", url, "--reps", str(reps)]
        f1, f1_cmd = self.floor("scan", *common)
        f8, f8_cmd = self.floor("scan", *common, "--segments", str(segs))
        b1, b1_cmd = self.boto3("scan", *common)
        self.stop_proxy()
        w1 = median(wrapper[1])
        f1s, f8s, b1s = (median([r["seconds"] for r in x]) for x in (f1, f8, b1))
        proxy_ref = self.command(f"the delay proxy (+{delay} ms a request; PROXY_ENDPOINT is its address)",
                                 self.show(self.proxy["cmd"]))
        self.rows.append(
            (f"latency-bound scan, {n:,} items, +{delay} ms a request, pages of {page}, 1 segment (s)", fmt(w1),
             fmt(b1s), fmt(f1s), ratio(w1, f1s), ratio(b1s, w1), "(the reference for the next row)", "—",
             ", ".join((proxy_ref, self.command("latency-bound scan, 1 segment: wrapper", self.show(cmd1)),
                        self.command("latency-bound scan, 1 segment: boto3", self.show(b1_cmd)),
                        self.command("latency-bound scan, 1 segment: floor", self.show(f1_cmd))))))
        if problem is None:
            w8 = median(wrapper[segs])
            wcell, met = fmt(w8), f"{yes(w1 / w8 >= 4)} ({w1 / w8:.1f}x)"
            ref8 = self.command(f"latency-bound scan, {segs} segments: wrapper", self.show(cmd8))
        else:
            w8, wcell, met = None, NOT_AVAILABLE, NOT_AVAILABLE
            ref8 = self.command(f"latency-bound scan, {segs} segments: the wrapper's table",
                                self.extra_ddl.strip().splitlines()[-1])
        self.rows.append(
            (f"… {segs} segments (s)", wcell, "—", fmt(f8s), ratio(w8, f8s), "—",
             f"wrapper: 1 segment / {segs} segments ≥ 4", met,
             ", ".join((proxy_ref, ref8, self.command(f"latency-bound scan, {segs} segments: floor (a thread and a "
                                                      "connection per segment)", self.show(f8_cmd))))))
        self.details += [
            "### Latency-bound scan", "",
            (f"The wrapper with {segs} segments: {NOT_AVAILABLE} ({problem}). " if problem else "")
            + f"Through the proxy the wrapper sends {wrapper_requests} requests with one segment, the floor "
              f"{f1[0]['requests']}; the floor is "
              f"{f1s / f8s:.1f}x faster with {segs}. Wrapper times per round, 1 segment: "
              f"{', '.join(fmt(v) for v in wrapper[1])}"
            + (f"; {segs} segments: {', '.join(fmt(v) for v in wrapper[segs])}." if problem is None else "."), "",
        ]

    def run_memory(self):
        if not self.memory_sizes:
            return
        extra = [n for n in self.memory_sizes if n not in self.sizes]
        if extra:
            log(f"loading {', '.join(map(str, extra))} items for the memory measurement")
            cmd = ["node", os.path.join(BENCH, "load.mjs")] + [a for n in extra for a in ("--items", str(n))]
            run(cmd)
        first = self.memory_sizes[0]
        sessions = min(3, self.args.reps)
        growth = {}
        for n in self.memory_sizes:
            log(f"backend peak RSS while scanning {n} items ({sessions} sessions)")
            samples = []
            for _ in range(sessions):
                r, cmd = self.wrapper_scan(f"bench.items_{n}")
                if r["items"] != n:
                    raise RuntimeError(f"the scan of bench.items_{n} returned {r['items']} rows")
                samples.append(r)
            grown = [(r["hwm_after_kb"] - r["hwm_before_kb"]) / 1024 for r in samples]
            growth[n] = median(grown)
            if n == first:
                target, ok = "< 32 MB", growth[n] < 32
            else:
                target, ok = f"≤ the growth at {first:,} items + 1 MB", growth[n] <= growth[first] + 1
            self.rows.append((f"backend peak RSS growth, scan of {n:,} items (MB, median of {sessions} sessions)",
                              f"{growth[n]:.1f}", "—", "—", "—", "—", target, yes(ok),
                              self.command(f"memory, {n:,} items (one session)", self.show(cmd))))
            self.details.append(
                f"- Peak RSS (VmHWM) of the backend scanning {n:,} items, per session: "
                + "; ".join(f"{r['hwm_before_kb'] / 1024:.1f} MB before, {r['hwm_after_kb'] / 1024:.1f} MB after"
                            for r in samples) + ".")
        self.details += [
            "",
            "\"Before\" is after the session's EXPLAIN, which connects and describes the table.",
            "",
        ]

    # ----- report -----

    def run_attrs(self):
        """The query of the seed's own workflow through the catch-all of an imported table: what
        the wrapper receives and how long it takes, with pushdown and with dynamodb.pushdown off
        (which sends what the build before pushdown through jsonb paths sent: a plain Scan of
        whole items)."""
        n = self.args.attrs_size
        reps = self.args.reps
        proxy = subprocess.Popen(["node", os.path.join(BENCH, "count_proxy.mjs"), "--port", "0",
                                  "--target", self.endpoint], stdout=subprocess.PIPE, text=True)
        try:
            port = int(proxy.stdout.readline().split()[-1])
            url = f"http://127.0.0.1:{port}"
            ddl = (f"create server if not exists bench_attrs_server foreign data wrapper dynamodb_wrapper "
                   f"options (region 'us-east-1', endpoint_url '{url}', aws_access_key_id 'test', "
                   f"aws_secret_access_key 'test');\n"
                   f"drop schema if exists bench_attrs cascade;\ncreate schema bench_attrs;\n"
                   f"import foreign schema dynamodb limit to (bench_attrs_{n}) from server bench_attrs_server "
                   f"into bench_attrs;\n")
            self.psql("set search_path = public, extensions;\n" + ddl)
            self.extra_ddl += ddl.replace(url, "$COUNT_PROXY_ENDPOINT")
            query = (f"select id, _attrs->>'name' from bench_attrs.bench_attrs_{n} "
                     f"where (_attrs->>'age')::int = 42")
            runs = {}
            cmds = {}
            for mode in ("on", "off"):
                sql = (f"set search_path = public, extensions;\nset dynamodb.pushdown = {mode};\n"
                       f"select count(*) from ({query}) q;\n")
                cmd = PSQL + ["-c", sql]
                cmds[mode] = self.show(cmd).replace(url, "$COUNT_PROXY_ENDPOINT")
                runs[mode] = []
                for _ in range(reps):
                    urlopen(url + "/__count").read()
                    start = time.monotonic()
                    rc, out, err = run(cmd)
                    seconds = time.monotonic() - start
                    rows = int(out.strip().splitlines()[-1])
                    count = json.loads(urlopen(url + "/__count").read())
                    if rows != n // 100:
                        raise RuntimeError(f"the _attrs query returned {rows} rows, expected {n // 100}")
                    runs[mode].append({"seconds": seconds, "bytes": count["response_bytes"],
                                       "requests": count["requests"]})
            plan = run(PSQL + ["-c", f"set search_path = public, extensions;\nexplain (verbose, costs off) {query};"])[1]
        finally:
            proxy.terminate()
            proxy.wait()
        on_s, off_s = (median(r["seconds"] for r in runs[m]) for m in ("on", "off"))
        on_b, off_b = (median(r["bytes"] for r in runs[m]) for m in ("on", "off"))
        refs = ", ".join(self.command(f"query through _attrs, {n:,} items, pushdown {m} (one round)", cmds[m])
                         for m in ("on", "off"))
        self.rows.append(
            (f"`where (_attrs->>'age')::int = 42` on an imported table, {n:,} items of ~1 KB "
             f"(s, median of {reps}; MB received)",
             f"{fmt(on_s)} ({on_b / 1e6:.2f} MB)", "—", "—", "—", "—",
             f"≥ 10x fewer bytes than pushdown off ({fmt(off_s)} s, {off_b / 1e6:.2f} MB: "
             f"{off_b / max(on_b, 1):.1f}x the bytes, {off_s / on_s:.1f}x the time)",
             yes(off_b >= 10 * on_b), refs))
        self.details += ["### Query through the catch-all, every round", "",
                         "| pushdown | seconds | bytes received | requests |", "|---|---|---|---|"]
        for m in ("on", "off"):
            for r in runs[m]:
                self.details.append(f"| {m} | {fmt(r['seconds'])} | {r['bytes']:,} | {r['requests']} |")
        self.details += ["", "The plan with pushdown:", "", "```", plan.strip(), "```", "",
                         "Bytes are the response bodies the wrapper received, counted by bench/count_proxy.mjs "
                         "between it and the emulator; each round is a new psql session. With "
                         "`dynamodb.pushdown = off` the wrapper sends a plain Scan of whole items, as the build "
                         "before pushdown through jsonb paths did for this query.", ""]

    def write_report(self):
        stamp = self.started.strftime("%Y%m%d-%H%M%S")
        name = f"{stamp}-{self.backend}{'-quick' if self.args.quick else ''}"
        os.makedirs(self.args.results, exist_ok=True)
        md_path = os.path.join(self.args.results, name + ".md")
        png_path = os.path.join(self.args.results, name + ".png")
        chart_ok = bool(self.scan) and self.chart(png_path)
        header = ["workload", "wrapper", "boto3", "floor", "wrapper/floor", "boto3/wrapper", "target", "met?",
                  "commands"]
        table = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        table += ["| " + " | ".join(str(c) for c in row) + " |" for row in self.rows]
        only = bool(self.args.only)
        loaded = "" if only else " ".join(f"--items {n}" for n in sorted(set(self.sizes + self.memory_sizes)))
        if self.args.attrs_size:
            loaded = f"{loaded} --attrs {self.args.attrs_size}".strip()
        empties = "" if only else (" --empty bench_empty --empty bench_ins_wrapper --empty bench_ins_boto3 "
                                   "--empty bench_ins_boto3_put --empty bench_ins_floor --empty bench_ins_floor_put")
        lines = [
            f"# DynamoDB wrapper benchmark: {self.backend}, {self.started.strftime('%Y-%m-%d %H:%M UTC')}", "",
            f"`{self.args.command_line}` on {self.backend}. Ratios are of times (or CPU) from this one run on this "
            "machine. The wrapper runs in a local PostgreSQL 15 (psql or pgbench); boto3 runs the script a user "
            "would otherwise write; the floor is a minimal libcurl client that only pages through the responses "
            "over one keep-alive connection: what the emulator itself costs. A scan forces every row through "
            "PostgreSQL (`select count(*), sum(length(t::text)) from bench.items_N t`). Commands are under "
            "[Commands](#commands); the machine is at the end.", "",
            *table, "",
        ]
        if chart_ok:
            lines += [f"![Full scan time against table size]({os.path.basename(png_path)})", ""]
        lines += ["## Details", "", *self.details, "## Commands", "",
                  "bench/run.sh starts PostgreSQL and the emulator (test/harness.sh) and sets PGHOST, PGPORT, "
                  "PGUSER=postgres and DYNAMODB_ENDPOINT; every command below runs from the repository root with "
                  "them. The tables are loaded by the AWS SDK for JavaScript and the wrapper's objects created "
                  "with:", "",
                  "```sh",
                  f"node bench/load.mjs {loaded}{empties}",
                  self.setup_cmd, "```", ""]
        if self.extra_ddl:
            lines += ["and, for the workloads through a proxy (bench/delay_proxy.mjs, bench/count_proxy.mjs):", "",
                      "```sql", self.extra_ddl.rstrip(), "```",
                      ""]
        for ref, what, text in self.commands:
            lines += [f"**{ref}** {what}:", "", "```sh", text, "```", ""]
        lines += ["## Machine", ""] + [f"- {k}: {v}" for k, v in machine_info(self)]
        load_end = os.getloadavg()
        lines += [f"- load average (1, 5, 15 min) when the workloads started: "
                  f"{', '.join(f'{v:.2f}' for v in self.load_start)}; when they ended: "
                  f"{', '.join(f'{v:.2f}' for v in load_end)} (the benchmark itself keeps one to two "
                  f"cores busy; more means other work shared the machine)", ""]
        with open(md_path, "w") as f:
            f.write("\n".join(lines))
        print("\n".join(table))
        print(f"\nbackend: {self.backend}\nreport: {os.path.relpath(md_path, ROOT)}\nchart: "
              + (os.path.relpath(png_path, ROOT) if chart_ok
                 else "not written (no scans)" if not self.scan else "not written (gnuplot failed)")
              + f"\nlogs: {self.workdir}")

    def chart(self, png_path):
        if not self.scan:
            return False
        data = os.path.join(self.workdir, "scan.dat")
        with open(data, "w") as f:
            f.write("# items, then the median seconds of the wrapper, boto3 and the floor\n")
            for n in self.sizes:
                f.write(f"{n} " + " ".join(f"{median(self.scan[n][k]['seconds']):.6f}" for k in WAYS) + "\n")
        script = f"""
set terminal pngcairo size 900,560 font ",11"
set output '{png_path}'
set title 'Full scan time against table size ({self.backend}, median of {self.args.reps})'
set xlabel 'items in the table'
set ylabel 'seconds'
set key top left
set grid
set format x '%.0s%c'
plot '{data}' using 1:2 with linespoints lw 2 pt 7 title 'wrapper (psql)', \\
     '{data}' using 1:3 with linespoints lw 2 pt 5 title 'boto3 paginator', \\
     '{data}' using 1:4 with linespoints lw 2 pt 9 title 'floor (raw HTTP, keep-alive)'
"""
        rc, _, err = run(["gnuplot"], script, check=False)
        if rc != 0:
            log(f"gnuplot failed: {err.strip()}")
        return rc == 0


    def callgrind_point(self, base, as_pg, single, data, n):
        """Instructions per point lookup under callgrind: the wrapper's single-user backend running
        lookups in a PL/pgSQL loop (the whole statement: executor, wrapper, libcurl, signing), and
        the floor's process per GetItem. Each is a run of 2,200 lookups minus a run of 200, so
        start-up and the first lookups' catalog reads cancel out."""
        lookups, warm = 2000, 200

        def loop(count):
            # Keys spread over the table; a missing key stops the run with an error.
            return ("do $$ declare r record; begin for i in 1.." + str(count) + " loop "
                    f"select * into r from bench.point where pk = 1 + (i * 7919) % {n}; "
                    "if not found then raise exception 'key % not found', i; end if; end loop; end $$;\n")

        totals, shown = {}, {}
        for label, count in (("point-base", warm), ("point", warm + lookups)):
            out = os.path.join(base, f"callgrind.{label}.out")
            cmd = ["valgrind", "--tool=callgrind", "--separate-threads=yes", f"--callgrind-out-file={out}"] + single
            t0 = time.perf_counter()
            _, stdout, stderr = run(as_pg + cmd, loop(count), cwd="/")
            log(f"  callgrind {label}: {time.perf_counter() - t0:.0f} s")
            if "ERROR" in stdout or "ERROR" in stderr:
                raise RuntimeError(f"callgrind {label} failed:\n{stdout}\n{stderr}")
            parts = sorted(glob.glob(glob.escape(out) + "-*"))
            totals[label] = sum(callgrind_total(part) for part in parts)
            shown[label] = (f"printf '%s\\n' {shlex.quote(loop(count).strip())} |\n  "
                            + self.show(cmd).replace(out, f"callgrind.{label}.out").replace(data, "$CG_DATA"))
        floor_totals = {}
        for label, count in (("floor-base", warm), ("floor", warm + lookups)):
            out = os.path.join(self.workdir, f"callgrind.{label}.out")
            cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", FLOOR, "get", "--table",
                   f"bench_items_{n}", "--keys", str(n), "--requests", str(count), "--endpoint", self.endpoint]
            _, stdout, _ = run(cmd)
            res = json_lines(stdout)[0]
            if res["requests"] != count or res["items"] != count:
                raise RuntimeError(f"callgrind {label}: {res}")
            floor_totals[label] = callgrind_total(out)
            shown[label] = self.show(cmd).replace(out, f"callgrind.{label}.out")
        wrapper = (totals["point"] - totals["point-base"]) / lookups
        floor = (floor_totals["floor"] - floor_totals["floor-base"]) / lookups
        # Reported after the scan's figures (their rows and commands come first).
        return lambda: self.report_callgrind_point(wrapper, floor, warm, lookups, shown)

    def report_callgrind_point(self, wrapper, floor, warm, lookups, shown):
        ref = self.command(
            f"instructions per point lookup: in the same single-user cluster, {warm} and {warm + lookups} lookups "
            f"by key in a PL/pgSQL loop under callgrind; the floor's GetItem loop, {warm} and {warm + lookups} "
            "requests under callgrind",
            "\n".join(shown[k] for k in ("point-base", "point", "floor-base", "floor")))
        self.rows.append((f"instructions per point lookup (callgrind; the loop minus its first {warm})",
                          f"{wrapper:,.0f}", "—", f"{floor:,.0f}", f"{wrapper / floor:.2f}x", "—",
                          "reported: the wrapper's CPU work per lookup against the floor's per GetItem", "—", ref))
        self.details += [
            "### Instructions per point lookup", "",
            f"The wrapper's figure is the whole single-user backend (PostgreSQL's executor and PL/pgSQL, the "
            f"wrapper, libcurl, signing) per lookup; the floor's is its whole process per GetItem. Each is the "
            f"difference of two runs ({warm + lookups} and {warm} lookups) divided by {lookups}. Callgrind counts "
            "instructions, not waits, so the figure shows the CPU work each side does for one lookup "
            "whatever the machine's scheduling.", ""]


def callgrind_costs(paths, entry_object, host_object="postgres"):
    """From callgrind's output files, one per thread (--separate-threads=yes): the self cost (Ir)
    per object file over all threads; the inclusive cost of the calls from host_object into
    entry_object in the process's first thread; and the whole cost of every other thread (all
    started by entry_object, as the single-user backend starts none). Calls made by a host
    function that entry_object itself calls (such as a memory-context callback run by
    MemoryContextDelete inside the wrapper's own end-of-scan callback) are already inside an
    entry and not counted again."""
    per_object = {}
    entered = other_threads = 0
    for path in paths:
        objects, calls, total, thread = callgrind_file_costs(path, entry_object, host_object)
        for obj, cost in objects.items():
            per_object[obj] = per_object.get(obj, 0) + cost
        if thread == 1:
            entered += calls
        else:
            other_threads += total
    return per_object, entered, other_threads


def callgrind_total(path):
    """A callgrind output file's total cost (Ir), from its summary or totals line."""
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise RuntimeError(f"no totals in {path}")


def callgrind_file_costs(path, entry_object, host_object):
    """One thread's callgrind file: (self cost per object, cost entered from host_object into
    entry_object, the thread's total, the thread's number)."""
    names = {}
    per_object = {}
    edges = []  # (calling host function, inclusive cost) of calls into entry_object
    called_by_entry = set()  # host functions that entry_object calls
    current = callee = function = callee_fn = None
    in_call = False
    thread = 1

    def name_of(line, kind, base=False):
        m = re.match(r"c?(ob|fn)=(?:\((\d+)\))?\s*(.*)", line.rstrip("\n"))
        ident, name = m.group(2), m.group(3)
        if name and ident:
            names[(kind, ident)] = name
        name = name or names[(kind, ident)]
        return os.path.basename(name) if base else name

    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("ob="):
                current = name_of(line, "ob", base=True)
            elif line.startswith("cob="):
                callee = name_of(line, "ob", base=True)
            elif line.startswith("fn="):
                function = name_of(line, "fn")
            elif line.startswith("cfn="):
                callee_fn = name_of(line, "fn")
            elif line.startswith("calls="):
                in_call = True
            elif line.startswith("thread:"):
                thread = int(line.split(":", 1)[1])
            elif line[:1].isdigit() or line[:1] in "+-*":
                parts = line.split()
                if len(parts) < 2:
                    continue
                cost = int(parts[1])
                if in_call:
                    # The inclusive cost of the call just described; the callee's object is
                    # the caller's unless a cob= line named another.
                    target = callee or current
                    if current == host_object and target == entry_object:
                        edges.append((function, cost))
                    elif current == entry_object and target == host_object:
                        called_by_entry.add(callee_fn)
                    in_call = False
                    callee = None
                elif current is not None:
                    per_object[current] = per_object.get(current, 0) + cost
    entered = sum(cost for caller, cost in edges if caller not in called_by_entry)
    return per_object, entered, sum(per_object.values()), thread


def machine_info(bench):
    def out(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, shell=isinstance(cmd, str)).stdout.strip()
        except OSError:
            return ""

    def npm_version(package):
        with open(os.path.join(ROOT, "node_modules", package, "package.json")) as f:
            return json.load(f)["version"]

    cpu = re.search(r"Model name:\s*(.*)", out(["lscpu"]))
    with open("/proc/meminfo") as f:
        mem = re.search(r"MemTotal:\s*(\d+)", f.read())
    dirty = out(["git", "-C", ROOT, "status", "--porcelain", "--", "src", "Makefile", "extension"])
    py = bench.args.python
    return [
        ("emulator", bench.backend),
        ("CPU", cpu.group(1) if cpu else "?"),
        ("cores", os.cpu_count()),
        ("memory", f"{int(mem.group(1)) / 1024 / 1024:.1f} GiB" if mem else "?"),
        ("kernel", platform.release()),
        ("OS", out("grep PRETTY_NAME /etc/os-release | cut -d= -f2 | tr -d '\"'")),
        ("PostgreSQL", out([os.path.join(PG_BINDIR, "postgres"), "--version"])),
        ("extension", ("built and installed by this run from" if bench.args.built else
                       "the one already installed (--no-build); the tree is at")
         + f" commit {out(['git', '-C', ROOT, 'rev-parse', '--short', 'HEAD'])}"
         + (" with uncommitted changes in src/" if dirty else "")),
        ("node", out(["node", "--version"])),
        ("dynalite", npm_version("dynalite")),
        ("@aws-sdk/client-dynamodb (loader)", npm_version("@aws-sdk/client-dynamodb")),
        ("moto", out([py, "-c", "import moto; print(moto.__version__)"]) or "not installed"),
        ("python", out([py, "--version"])),
        ("boto3 / botocore", out([py, "-c", "import boto3, botocore; print(boto3.__version__, botocore.__version__)"])),
        ("libcurl", out(["curl-config", "--version"])),
        ("simdjson", out(["dpkg-query", "-W", "-f=${Version}", "libsimdjson-dev"])),
        ("g++", out("g++ --version | head -n 1")),
        ("valgrind", out(["valgrind", "--version"]) or "not installed"),
    ]


# The workloads in the order they run (bench/run.sh --only selects some).
WORKLOADS = ("scans", "callgrind", "point", "insert", "remote", "remote_writes", "latency", "memory",
             "attrs")


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--workdir", required=True)
    p.add_argument("--results", required=True)
    p.add_argument("--backend", default="dynalite")
    p.add_argument("--sizes", required=True)
    p.add_argument("--memory-sizes", default="")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--point-seconds", type=int, default=10)
    p.add_argument("--insert-rows", type=int, default=10000)
    p.add_argument("--delay-ms", type=int, default=20)
    p.add_argument("--remote-delays", default="2 20")
    p.add_argument("--callgrind-size", type=int, default=0)
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--built", action="store_true", help="the run built and installed the extension")
    p.add_argument("--command-line", default="bench/run.sh")
    p.add_argument("--write-concurrency", type=int, default=16,
                   help="requests in flight of the remote write workloads (the wrapper's default)")
    p.add_argument("--attrs-size", type=int, default=50000, help="items of the query through _attrs (0: skip)")
    p.add_argument("--only", default="",
                   help="run only these workloads (space-separated): " + " ".join(WORKLOADS))
    args = p.parse_args()
    only = args.only.split()
    unknown = [w for w in only if w not in WORKLOADS]
    if unknown:
        p.error(f"unknown workloads {unknown}; known: {' '.join(WORKLOADS)}")
    bench = Bench(args)
    try:
        bench.setup()
        for name in WORKLOADS:
            if name == "attrs" and not args.attrs_size:
                continue
            if not only or name in only:
                getattr(bench, "run_" + name)()
    finally:
        bench.stop_proxy()
    bench.write_report()


if __name__ == "__main__":
    main()
