// Loads the benchmark tables with the AWS SDK for JavaScript v3, independently of the wrapper.
//
//   DYNAMODB_ENDPOINT=http://127.0.0.1:PORT node bench/load.mjs [--items N ...] [--empty NAME ...]
//
// `--items N` creates bench_items_<N> holding the items 1..N (see benchItem); `--attrs N`
// creates bench_attrs_<N> holding N items of about 1 KB with 20 attributes (attrsItem);
// `--empty NAME`
// creates the empty table NAME with the same key (the targets of the insert benchmark and the
// baseline of the instruction count). Tables are deleted first if present.
//
// The tables are added to the fixture loader's TABLES list, its documented extension point, so
// creation, polling until ACTIVE and BatchWriteItem with UnprocessedItems retries (several
// batches in flight) are the fixture loader's own.

import { TABLES, loadTables, makeClient } from '../test/fixtures/load.mjs';

// Item i of every benchmark table: the key and six attributes of mixed types. bench/bench.py,
// bench/floor.cpp and the INSERT in bench/run.sh build the same item; keep them in step.
//   pk     N  integer key, 1..N
//   s      S  'name-' and i zero-padded to 8 digits
//   n_int  N  (i * 7919) mod 1000003
//   n_dec  N  (i mod 100000) / 100 with two decimals
//   flag   BOOL  i is even
//   m      M  { k: S 'v' || i mod 10, n: N i mod 100 }
//   b      B  i as 8 big-endian bytes, twice (16 bytes)
export function benchItem(i) {
  const cents = i % 100000;
  const b = new Uint8Array(16);
  const view = new DataView(b.buffer);
  view.setBigInt64(0, BigInt(i));
  view.setBigInt64(8, BigInt(i));
  return {
    pk: { N: String(i) },
    s: { S: `name-${String(i).padStart(8, '0')}` },
    n_int: { N: String((i * 7919) % 1000003) },
    n_dec: { N: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}` },
    flag: { BOOL: i % 2 === 0 },
    m: { M: { k: { S: `v${i % 10}` }, n: { N: String(i % 100) } } },
    b: { B: b },
  };
}

// Item i of bench_attrs_<N>, for the query through the catch-all: the key, `name`, `age`
// (i mod 100, so that one item in a hundred has age 42) and 18 more attributes, strings of 40
// characters and numbers, about 1 KB in all.
//   id     S  'u' and i zero-padded to 8 digits
//   name   S  'name-' and i
//   age    N  i mod 100
//   a01..a09  S  40 characters
//   n01..n09  N  i * k
export function attrsItem(i) {
  const item = {
    id: { S: `u${String(i).padStart(8, '0')}` },
    name: { S: `name-${i}` },
    age: { N: String(i % 100) },
  };
  for (let k = 1; k <= 9; k++) {
    item[`a0${k}`] = { S: `${String(i).padStart(8, '0')}-attribute-${k}-`.padEnd(88, 'x') };
    item[`n0${k}`] = { N: String(i * k) };
  }
  return item;
}

const KEYS = [['pk', 'N', 'HASH']];

function parseArgs(argv) {
  const names = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--items') {
      const n = Number(value);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`--items ${value}: not a positive integer`);
      const name = `bench_items_${n}`;
      TABLES.push({ name, keys: KEYS, items: () => Array.from({ length: n }, (_, k) => benchItem(k + 1)) });
      names.push(name);
    } else if (flag === '--attrs') {
      const n = Number(value);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`--attrs ${value}: not a positive integer`);
      const name = `bench_attrs_${n}`;
      TABLES.push({ name, keys: [['id', 'S', 'HASH']], items: () => Array.from({ length: n }, (_, k) => attrsItem(k + 1)) });
      names.push(name);
    } else if (flag === '--empty') {
      TABLES.push({ name: value, keys: KEYS, items: [] });
      names.push(value);
    } else {
      throw new Error(`unknown argument ${flag}`);
    }
  }
  return names;
}

async function main() {
  const names = parseArgs(process.argv.slice(2));
  if (names.length === 0) throw new Error('nothing to load: give --items N, --attrs N or --empty NAME');
  const client = makeClient();
  try {
    for (const name of names) {
      const start = process.hrtime.bigint();
      await loadTables(client, [name]);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      console.log(`  ${name}: ${seconds.toFixed(1)} s`);
    }
  } finally {
    client.destroy();
  }
}

main().catch((err) => {
  console.error(`bench/load.mjs: ${err.name}: ${err.message}`);
  process.exit(1);
});
