// Differential test of pushdown: random WHERE clauses run through the wrapper and on plain
// PostgreSQL tables holding the same items must return the same rows.
//
//   node test/differential/run.mjs [--clauses N] [--items N] [--seed S]
//
// Needs DYNAMODB_ENDPOINT and a PostgreSQL server reachable through the libpq environment
// (PGHOST, PGPORT, PGUSER) with the extension installed; PG_BINDIR names its binaries.
// DIFF_SEED, DIFF_CLAUSES and DIFF_ITEMS do what the options do.
//
// The items are generated from the seed and written with the AWS SDK for JavaScript, which
// also reads them back to fill the plain tables (the wrapper under test writes and reads
// nothing but the queries). The tables have string, number and binary keys, sparse global and
// local index keys, the NULL type, and attributes holding another type than their column
// declares. A clause that returns different rows is shrunk to a smallest failing part and
// printed with the items involved, EXPLAIN's plan, and the command that replays the run.
import { spawnSync } from 'node:child_process';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  B, BOOL, L, M, makeClient, N, NS, NUL, prng, recreateTable, S, SS, writeItems,
} from '../fixtures/load.mjs';

// --- options ---

function option(name, envName, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  return process.env[envName] ?? fallback;
}
const SEED = Number(option('seed', 'DIFF_SEED', String(Math.floor(Math.random() * 1e9))));
const CLAUSES = Number(option('clauses', 'DIFF_CLAUSES', '1200'));
const ITEMS = Number(option('items', 'DIFF_ITEMS', '600'));
const PSQL = `${process.env.PG_BINDIR ?? '/usr/lib/postgresql/15/bin'}/psql`;
const DATABASE = process.env.DIFF_DATABASE ?? 'dynamodb_differential';

// --- the tables ---
//
// Column kinds: text (S, C collation), textnum (a number key read as text), num (numeric),
// int (integer), bool, bytea, arr (text[]). `gen` makes an attribute value or undefined
// (missing); key columns never miss.

const WORDS = ['apple', 'banana', 'Apple', 'ban', 'ab', 'abc', 'b', 'a%b', 'x_y', 'a\\b', 'é', 'zz',
  '5', '%', '', 'true', 'false', 'AQI=', '2.5', '5.0', '0', '-1', '[1]'];
const KEY_WORDS = WORDS.filter((w) => w !== '');

function textValue(r) {
  const x = r.next();
  if (x < 0.6) return S(r.pick(WORDS));
  if (x < 0.68) return N(r.pick(['5', '-1', '2.5', '10', '0']));
  if (x < 0.73) return BOOL(r.next() < 0.5);
  if (x < 0.76) return B(r.pick([[1, 2], [0], [0xff, 0xfe]]));
  if (x < 0.8) return NUL();
  if (x < 0.84) return L(S(r.pick(WORDS)), N(r.pick(['1', '2.5'])), NUL(), BOOL(true));
  if (x < 0.87) return M({ k: S(r.pick(WORDS)) });
  return undefined;
}
function numberValue(r) {
  const x = r.next();
  if (x < 0.55) return N(r.int(-50, 50));
  if (x < 0.7) return N((r.int(-1000, 1000) / 100).toString());
  if (x < 0.75) return N(r.pick(['12345678901234567890', '0.001', '-0.5']));
  if (x < 0.85) return NUL();
  return undefined;
}
function intValue(r) {
  const x = r.next();
  if (x < 0.8) return N(r.int(-20, 20));
  if (x < 0.88) return NUL();
  return undefined;
}
function boolValue(r) {
  const x = r.next();
  if (x < 0.7) return BOOL(r.next() < 0.5);
  if (x < 0.8) return NUL();
  return undefined;
}
function bytesValue(r) {
  const x = r.next();
  if (x < 0.6) return B(r.next() < 0.5 ? [r.int(0, 3)] : [r.int(0, 3), 0xff]);
  if (x < 0.7) return NUL();
  return undefined;
}
function arrayValue(r) {
  const x = r.next();
  if (x < 0.35) {
    const members = [...new Set([r.pick(KEY_WORDS), r.pick(KEY_WORDS)])];
    return SS(...members);
  }
  if (x < 0.6) return L(S(r.pick(KEY_WORDS)), r.next() < 0.3 ? NUL() : S(r.pick(KEY_WORDS)));
  if (x < 0.7) return NUL();
  return undefined;
}
function jsonValue(r) {
  const x = r.next();
  if (x < 0.3) return M({ k: S(r.pick(KEY_WORDS)), n: N(r.int(0, 3)) });
  if (x < 0.45) return L(S(r.pick(KEY_WORDS)), NUL());
  if (x < 0.6) return S(r.pick(WORDS));
  if (x < 0.7) return N(r.int(0, 3));
  if (x < 0.8) return NUL();
  return undefined;
}
// Sparse index keys: present with their declared type, or missing.
const sparse = (p, gen) => (r) => (r.next() < p ? gen(r) : undefined);

// Attributes of the catch-all table.
function anyScalar(r) {
  const x = r.next();
  if (x < 0.45) return S(r.pick(WORDS));
  if (x < 0.65) return N(r.pick(['5', '-1', '2.5', '10', '0', '30', '42', '0.001']));
  if (x < 0.75) return BOOL(r.next() < 0.5);
  if (x < 0.82) return B(r.pick([[1, 2], [0], [0xff, 0xfe]]));
  if (x < 0.9) return NUL();
  return undefined;
}
function anyValue(r) {
  const x = r.next();
  if (x < 0.7) return anyScalar(r);
  if (x < 0.78) return L(S(r.pick(KEY_WORDS)), N(r.int(0, 3)));
  if (x < 0.84) return M({ x: S(r.pick(KEY_WORDS)) });
  if (x < 0.9) return SS(...new Set([r.pick(KEY_WORDS), r.pick(KEY_WORDS)]));
  if (x < 0.93) return NS(1, 2);
  return undefined;
}
function ageValue(r) {
  const x = r.next();
  if (x < 0.6) return N(r.int(20, 50));
  if (x < 0.7) return N((r.int(2000, 5000) / 100).toString());
  if (x < 0.8) return S(String(r.int(20, 50)));
  if (x < 0.85) return NUL();
  return undefined;
}
function mapValue(r) {
  const x = r.next();
  if (x < 0.6) {
    const m = {};
    if (r.next() < 0.8) m.x = anyValue(r);
    if (r.next() < 0.4) m['y.z'] = anyScalar(r);
    if (r.next() < 0.2) m['0'] = anyScalar(r);
    for (const k of Object.keys(m)) if (m[k] === undefined) delete m[k];
    return M(m);
  }
  if (x < 0.75) return L(anyScalar(r) ?? NUL());
  if (x < 0.85) return anyScalar(r);
  return undefined;
}
function listValue(r) {
  const x = r.next();
  if (x < 0.6) {
    const n = r.int(1, 3);
    return L(...Array.from({ length: n }, () => anyScalar(r) ?? NUL()));
  }
  if (x < 0.7) return M({ 0: anyScalar(r) ?? NUL() });
  if (x < 0.8) return SS(...new Set([r.pick(KEY_WORDS), r.pick(KEY_WORDS)]));
  return undefined;
}
const ATTR_NAMES = ['name', 'code', 'age', 'n', 'flag', 'm', 'l', 'a b', 'a.b', 'nul'];
const ATTR_GENS = [
  ['name', anyValue], ['code', anyScalar], ['age', ageValue],
  ['n', (r) => (r.next() < 0.8 ? N(r.pick(['1', '2', '2.5', '-3', '10'])) : undefined)],
  ['flag', (r) => { const x = r.next(); return x < 0.5 ? BOOL(r.next() < 0.5) : x < 0.7 ? S(r.pick(['true', 'false', 'yes'])) : x < 0.8 ? NUL() : undefined; }],
  ['m', mapValue], ['l', listValue], ['a b', anyScalar], ['a.b', anyScalar], ['nul', anyScalar],
];

const TABLES = [
  {
    // String partition key, number sort key; a global index on (g, gn) and a local one on l,
    // both sparse.
    name: 'difft_sn',
    keys: [['pk', 'S', 'HASH'], ['sk', 'N', 'RANGE']],
    globalIndexes: [['g-index', [['g', 'S', 'HASH'], ['gn', 'N', 'RANGE']], 'ALL'],
      ['g1-index', [['g', 'S', 'HASH']], 'KEYS_ONLY']],
    localIndexes: [['l-index', [['pk', 'S', 'HASH'], ['l', 'S', 'RANGE']], 'ALL']],
    columns: [
      { name: 'pk', type: 'text collate "C"', kind: 'text', key: true },
      { name: 'sk', type: 'numeric', kind: 'num', key: true },
      { name: 'g', type: 'text collate "C"', kind: 'text', index: true },
      { name: 'gn', type: 'numeric', kind: 'num', index: true },
      { name: 'l', type: 'text collate "C"', kind: 'text', index: true },
      { name: 't', type: 'text collate "C"', kind: 'text' },
      { name: 'n', type: 'numeric', kind: 'num' },
      { name: 'i', type: 'integer', kind: 'int' },
      { name: 'b', type: 'boolean', kind: 'bool' },
      { name: 'bin', type: 'bytea', kind: 'bytea' },
      { name: 'arr', type: 'text[]', kind: 'arr' },
      // not the catch-all: a missing j is NULL, not {}
      { name: 'j', type: 'jsonb', kind: 'json', options: "catch_all 'false'" },
    ],
    keyExpr: "pk || '/' || sk",
    share: 0.45,
    item: (r, i) => ({
      pk: S(`p${String(i % 12).padStart(2, '0')}`), sk: N(Math.floor(i / 12)),
      g: sparse(0.65, (q) => S(q.pick(['g1', 'g2', 'g3', 'G1', 'g10', 'é'])))(r),
      gn: sparse(0.6, (q) => N(q.int(0, 9)))(r),
      l: sparse(0.6, (q) => S(q.pick(KEY_WORDS)))(r),
      t: textValue(r), n: numberValue(r), i: intValue(r), b: boolValue(r), bin: bytesValue(r),
      arr: arrayValue(r), j: jsonValue(r),
    }),
  },
  {
    // Number partition key (declared text, as IMPORT FOREIGN SCHEMA does), binary sort key; a
    // sparse global index on a binary attribute and a sparse local index on a number.
    name: 'difft_nb',
    keys: [['pk', 'N', 'HASH'], ['sk', 'B', 'RANGE']],
    globalIndexes: [['gb-index', [['gb', 'B', 'HASH']], 'ALL']],
    localIndexes: [['ln-index', [['pk', 'N', 'HASH'], ['ln', 'N', 'RANGE']], 'KEYS_ONLY']],
    columns: [
      { name: 'pk', type: 'text collate "C"', kind: 'textnum', key: true },
      { name: 'sk', type: 'bytea', kind: 'bytea', key: true },
      { name: 'gb', type: 'bytea', kind: 'bytea', index: true },
      { name: 'ln', type: 'integer', kind: 'int', index: true },
      { name: 't', type: 'text collate "C"', kind: 'text' },
      { name: 'n', type: 'numeric', kind: 'num' },
      { name: 'b', type: 'boolean', kind: 'bool' },
    ],
    keyExpr: "pk || '/' || encode(sk, 'hex')",
    share: 0.3,
    item: (r, i) => ({
      pk: N(i % 9), sk: B([Math.floor(i / 9) % 256, Math.floor(i / 9 / 256)]),
      gb: sparse(0.5, (q) => B([q.int(0, 3)]))(r),
      ln: sparse(0.6, (q) => N(q.int(-5, 5)))(r),
      t: textValue(r), n: numberValue(r), b: boolValue(r),
    }),
  },
  {
    // Binary partition key alone; a sparse global index on (gs, gi).
    name: 'difft_b',
    keys: [['pk', 'B', 'HASH']],
    globalIndexes: [['gs-index', [['gs', 'S', 'HASH'], ['gi', 'N', 'RANGE']], 'ALL']],
    columns: [
      { name: 'pk', type: 'bytea', kind: 'bytea', key: true },
      { name: 'gs', type: 'text collate "C"', kind: 'text', index: true },
      { name: 'gi', type: 'bigint', kind: 'int', index: true },
      { name: 't', type: 'text collate "C"', kind: 'text' },
      { name: 'n', type: 'numeric', kind: 'num' },
      { name: 'b', type: 'boolean', kind: 'bool' },
    ],
    keyExpr: "encode(pk, 'hex')",
    share: 0.25,
    item: (r, i) => ({
      pk: B([i % 256, Math.floor(i / 256)]),
      gs: sparse(0.6, (q) => S(q.pick(['s1', 's2', 'S1', 'é'])))(r),
      gi: sparse(0.7, (q) => N(q.int(-3, 3)))(r),
      t: textValue(r), n: numberValue(r), b: boolValue(r),
    }),
  },
  {
    // The catch-all: an imported table's `_attrs`, with paths into it (atomAttrs). Attributes
    // hold every type, maps and lists nest, names have dots and spaces; now and then an item
    // holds an attribute named `_attrs`, which the column then reads instead of the catch-all.
    name: 'difft_attrs',
    keys: [['pk', 'S', 'HASH']],
    columns: [
      { name: 'pk', type: 'text collate "C"', kind: 'text', key: true },
      { name: 't', type: 'text collate "C"', kind: 'text' },
      { name: '_attrs', type: 'jsonb', kind: 'attrs' },
    ],
    keyExpr: 'pk',
    share: 0.35,
    attrs: true,
    item: (r, i) => {
      const item = { pk: S(`a${String(i).padStart(4, '0')}`), t: textValue(r) };
      for (const [name, gen] of ATTR_GENS) item[name] = gen(r);
      if (r.next() < 0.04) item._attrs = r.next() < 0.8 ? M({ name: anyScalar(r), m: M({ x: anyScalar(r) }) }) : anyScalar(r);
      return item;
    },
  },
];

// --- random numbers ---

function randomSource(seed) {
  const next = prng(seed);
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
  };
}

// --- values as PostgreSQL sees them (the documented read mapping) ---

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const base64 = (bytes) => Buffer.from(bytes).toString('base64');

function plainJson(v) {
  if ('S' in v) return JSON.stringify(v.S);
  if ('N' in v) return v.N;
  if ('BOOL' in v) return v.BOOL ? 'true' : 'false';
  if ('NULL' in v) return 'null';
  if ('B' in v) return JSON.stringify(base64(v.B));
  if ('L' in v) return `[${v.L.map(plainJson).join(',')}]`;
  if ('M' in v) return `{${Object.entries(v.M).map(([k, x]) => `${JSON.stringify(k)}:${plainJson(x)}`).join(',')}}`;
  if ('SS' in v) return `[${v.SS.map((s) => JSON.stringify(s)).join(',')}]`;
  throw new Error(`unexpected value ${JSON.stringify(v)}`);
}

// A value as jsonb shows it (the catch-all's documented mapping).
function jsonOf(v) {
  if ('S' in v) return v.S;
  if ('N' in v) return { $number: v.N };
  if ('BOOL' in v) return v.BOOL;
  if ('NULL' in v) return null;
  if ('B' in v) return base64(v.B);
  if ('L' in v) return v.L.map(jsonOf);
  if ('M' in v) return Object.fromEntries(Object.entries(v.M).map(([k, x]) => [k, jsonOf(x)]));
  // Sets in set order, as the wrapper gives them: strings and binaries by their bytes, numbers
  // by value.
  if ('SS' in v) return [...v.SS].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  if ('NS' in v) return [...v.NS].sort((a, b) => Number(a) - Number(b)).map((x) => ({ $number: x }));
  if ('BS' in v) return [...v.BS].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))).map(base64);
  throw new Error(`unexpected value ${JSON.stringify(v)}`);
}
// JSON text of jsonOf's result with numbers written as their digits.
function jsonText(j) {
  if (j === null) return 'null';
  if (typeof j === 'string' || typeof j === 'boolean') return JSON.stringify(j);
  if (Array.isArray(j)) return `[${j.map(jsonText).join(',')}]`;
  if ('$number' in j && Object.keys(j).length === 1) return j.$number;
  return `{${Object.entries(j).map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`).join(',')}}`;
}
// The catch-all column of an item: its own `_attrs` attribute where it holds one (SQL NULL for
// the NULL type), else the object of every attribute no column reads.
function catchAllText(table, item) {
  if (item._attrs !== undefined) return 'NULL' in item._attrs ? null : jsonText(jsonOf(item._attrs));
  const declared = new Set(table.columns.map((c) => c.name));
  const obj = {};
  for (const [k, v] of Object.entries(item)) if (!declared.has(k)) obj[k] = jsonOf(v);
  return jsonText(obj);
}

const arrayElement = (s) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

// The column's value as PostgreSQL text, or null for SQL NULL.
function columnText(kind, v) {
  if (v === undefined || 'NULL' in v) return null;
  switch (kind) {
    case 'text':
      if ('S' in v) return v.S;
      if ('N' in v) return v.N;
      if ('B' in v) return base64(v.B);
      return plainJson(v);
    case 'textnum':
    case 'num':
    case 'int':
      return v.N;
    case 'bool':
      return v.BOOL ? 't' : 'f';
    case 'bytea':
      return `\\x${hex(v.B)}`;
    case 'json':
      return plainJson(v);
    case 'arr':
      if ('SS' in v) return `{${v.SS.map(arrayElement).join(',')}}`;
      return `{${v.L.map((e) => ('NULL' in e ? 'NULL' : arrayElement(e.S))).join(',')}}`;
    default:
      throw new Error(`unknown kind ${kind}`);
  }
}

const copyField = (s) => (s === null ? '\\N'
  : s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r'));

// The row key as the queries spell it (keyExpr), computed from the item.
function itemKey(table, item) {
  const parts = table.keys.map(([name, type]) => (type === 'B' ? hex(item[name].B)
    : type === 'N' ? item[name].N : item[name].S));
  return parts.join('/');
}

// --- SQL literals ---

const lit = (s) => `'${s.replace(/'/g, "''")}'`;
function literal(kind, r) {
  switch (kind) {
    case 'text': return lit(r.pick(WORDS));
    case 'textnum': return lit(r.pick(['1', '2', '01', '3.0', '10', '8', 'x']));
    case 'num': return r.next() < 0.7 ? String(r.int(-50, 50)) : (r.int(-1000, 1000) / 100).toFixed(2);
    case 'int': return String(r.int(-20, 20));
    case 'bytea': return `'\\x${hex(r.next() < 0.5 ? [r.int(0, 3)] : [r.int(0, 3), 0xff])}'::bytea`;
    default: throw new Error(`no literal for ${kind}`);
  }
}
const PATTERNS = ['ab%', 'a%', '%b%', '%an%', 'a_%', '%', 'a\\%%', '%\\_%', 'abc', '_', 'a%b%', 'b%',
  '%\\\\%', 'é%', '5%', '%%'];
const OPS = ['=', '<>', '<', '<=', '>', '>='];

// --- clauses ---
//
// A clause is a tree: { op: 'and'|'or', kids: [a, b] }, { op: 'not', kids: [a] } or an atom
// { sql, params } whose sql may hold `$?` placeholders for params ([{ type, value }]).

function atom(table, r) {
  const col = r.pick(table.columns);
  const c = `"${col.name}"`;
  const k = col.kind;
  const x = r.next();
  // A parameter of a prepared statement, now and then on keys.
  if ((col.key || col.index) && k !== 'arr' && x < 0.15) {
    const type = { text: 'text', textnum: 'text', num: 'numeric', int: 'integer', bytea: 'bytea' }[k];
    const op = r.pick(['=', '=', '<', '>=']);
    // DynamoDB refuses an empty string in a key condition; a parameter compared with a key by
    // < or >= is sent as it is, so the empty string is drawn only for equality (not supported
    // yet for ranges: DynamoDB's error is reported).
    let value = literal(k, r);
    while (op !== '=' && value === "''") value = literal(k, r);
    return { sql: `${c} ${op} $?`, params: [{ type, value }] };
  }
  const nullish = () => (r.next() < 0.3 ? ', NULL' : '');
  if (k === 'bool') {
    return { sql: r.pick([`${c}`, `not ${c}`, `${c} = true`, `${c} = false`, `${c} <> true`,
      `${c} is true`, `${c} is not true`, `${c} is false`, `${c} is not false`, `${c} is unknown`,
      `${c} is not unknown`, `${c} is null`, `${c} is not null`, `${c} in (true${nullish()})`,
      `${c} not in (false${nullish()})`]) };
  }
  if (k === 'json') {
    return { sql: r.pick([`${c} is null`, `${c} is not null`, `${c}->>'k' = ${lit(r.pick(KEY_WORDS))}`,
      `${c} ? 'n'`, `${c} = ${lit(JSON.stringify(r.pick(KEY_WORDS)))}::jsonb`]) };
  }
  if (k === 'attrs') return atomAttrs(c, r);
  if (k === 'arr') {
    return { sql: r.pick([`${c} is null`, `${c} is not null`, `${lit(r.pick(KEY_WORDS))} = any(${c})`,
      `cardinality(${c}) = 2`]) };
  }
  const v = () => literal(k, r);
  const choice = r.int(0, 9);
  switch (choice) {
    case 0: case 1: case 2:
      return { sql: `${c} ${r.pick(OPS)} ${v()}` };
    case 3:
      return { sql: `${c} ${r.next() < 0.3 ? 'not ' : ''}between ${v()} and ${v()}` };
    case 4:
      return { sql: `${c} in (${v()}, ${v()}${nullish()})` };
    case 5:
      return { sql: `${c} not in (${v()}${nullish()})` };
    case 6:
      return { sql: `${c} is ${r.next() < 0.5 ? 'not ' : ''}null` };
    case 7: case 8:
      if (k === 'text' || k === 'textnum') {
        return { sql: `${c} ${r.next() < 0.3 ? 'not ' : ''}like ${lit(r.pick(PATTERNS))}` };
      }
      return { sql: `${c} ${r.pick(OPS)} ${v()}` };
    default:
      return { sql: `${c} = ${v()}` };
  }
}

// Clauses through the catch-all: text of paths, casts, existence, containment, nested paths.
const TEXTS = ['apple', 'ab', '5', 'true', 'false', 'AQI=', '2.5', '5.0', '0', '-1', '', '[1]',
  '{"x": 1}', 'yes', '30', 'a%b', 'Apple'];
function atomAttrs(c, r) {
  const name = () => lit(r.pick(ATTR_NAMES));
  const text = () => lit(r.pick(TEXTS));
  const path = () => r.pick([`${c}->>${name()}`, `${c}->'m'->>'x'`, `${c}->'m'->>'y.z'`,
    `${c} #>> '{m,x}'`, `${c}->'l'->>0`, `${c}->'l'->>1`, `${c}->'m'->>0`, `${c}->'l'->>'0'`,
    `${c}->'m'->'x'->>0`]);
  const scalar = () => r.pick(['"apple"', '"5"', '5', '2.5', 'true', 'false', 'null', '"AQI="', '30', '"true"']);
  const element = () => r.pick(['"apple"', '"ab"', '"banana"', '1', '2', '0', '2.5', 'true', 'null', '"AQI="', '"5"']);
  switch (r.int(0, 15)) {
    case 0: case 1: case 2:
      return { sql: `${path()} ${r.pick(['=', '=', '<>', '<', '>='])} ${text()}` };
    case 3:
      return { sql: `${path()} ${r.next() < 0.3 ? 'not ' : ''}in (${text()}, ${text()}${r.next() < 0.2 ? ', NULL' : ''})` };
    case 4:
      return { sql: `${path()} ${r.next() < 0.3 ? 'not ' : ''}like ${lit(r.pick(PATTERNS))}` };
    case 5:
      return { sql: `(${c}->>'age')::numeric ${r.pick(OPS)} ${r.pick(['30', '42', '25.5', '-1'])}` };
    case 6:
      return { sql: `(${c}->'n')::numeric ${r.pick(OPS)} ${r.pick(['1', '2.5', '0', '10'])}` };
    case 7:
      return { sql: r.pick([`(${c}->>'flag')::boolean`, `not (${c}->>'flag')::boolean`,
        `(${c}->>'flag')::boolean is not true`]) };
    case 8:
      return { sql: r.pick([`${c} ? ${name()}`, `${c} ?| array[${name()}, ${name()}]`,
        `${c} ?& array[${name()}, ${name()}]`, `${c} ? 'pk'`, `${c} ? 't'`]) };
    case 9:
      return { sql: `${r.pick([`${c}->${name()}`, `${c}->'m'->'x'`, `${c}->'l'->1`])} is ${r.next() < 0.5 ? 'not ' : ''}null` };
    case 10:
      return { sql: `${path()} is ${r.next() < 0.5 ? 'not ' : ''}null` };
    case 11:
      return { sql: `${c} @> '{${JSON.stringify(r.pick(ATTR_NAMES))}: ${scalar()}${r.next() < 0.3 ? `, "code": ${scalar()}` : ''}}'` };
    case 12:
      return { sql: `(${c}->'m'->>'x')::text = ${text()}` };
    case 14: {
      // Containment below the top: nested maps and arrays.
      const inner = r.pick([`{"x": ${scalar()}}`, '{}', `{"y.z": ${scalar()}}`, `{"x": ${scalar()}, "y.z": ${scalar()}}`,
        `{"x": [${element()}]}`, `{"x": {"x": ${scalar()}}}`, `{"0": ${scalar()}}`, '{"x": []}']);
      return { sql: `${c} @> '{"m": ${inner}}'` };
    }
    case 15: {
      const arr = r.pick(['[]', `[${element()}]`, `[${element()}, ${element()}]`, '[{"x": "apple"}]', '[[1]]']);
      return { sql: `${c} @> '{${JSON.stringify(r.pick(['l', 'name', 'm', 'code']))}: ${arr}}'` };
    }
    default:
      return { sql: `${c}->>${name()} = ${text()}` };
  }
}

// A select list through the catch-all's paths (so that the projection of document paths is
// compared), or null for the key alone. Each expression's text, NULL written as a mark.
function selectList(table, r) {
  if (!table.attrs || r.next() < 0.3) return null;
  const c = '"_attrs"';
  const exprs = [`${c}->>'name'`, `${c}->'m'->>'x'`, `${c} #>> '{m,y.z}'`, `${c}->'l'->>0`,
    `${c}->'l'->>1`, `${c}->'m'->'x'->>0`, `${c}->'m'`, `${c}->'m'->'x'`, `jsonb_typeof(${c}->'m')`,
    `${c}->>'a b'`, `${c}->'a.b'`, `${c} ? 'code'`, `(${c}->'m') ? 'x'`, `${c} #> '{m,x}'`,
    `${c}->'m'->'y.z'`, `${c}->'m'->>'0'`, `${c}->'l'->'0'`, `${c}->'m'->'x'->'x'`,
    `(${c}->'m'->>'x')::text`, `${c} @> '{"code": 5}'`];
  const n = r.int(1, 3);
  const picked = Array.from({ length: n }, () => r.pick(exprs));
  return picked.map((e) => `coalesce((${e})::text, '~')`).join(` || '|' || `);
}

function clause(table, r, depth) {
  const x = r.next();
  if (depth === 0 || x < 0.35) return atom(table, r);
  if (x < 0.6) return { op: 'and', kids: [clause(table, r, depth - 1), clause(table, r, depth - 1)] };
  if (x < 0.85) return { op: 'or', kids: [clause(table, r, depth - 1), clause(table, r, depth - 1)] };
  return { op: 'not', kids: [clause(table, r, depth - 1)] };
}

// SQL of a clause, with parameters as $n (prepared) or inlined (plain), and their types.
function render(node, inline) {
  const params = [];
  const walk = (n) => {
    if (n.sql !== undefined) {
      let s = n.sql;
      for (const p of n.params ?? []) {
        params.push(p);
        s = s.replace('$?', inline ? p.value : `$${params.length}`);
      }
      return s;
    }
    if (n.op === 'not') return `not (${walk(n.kids[0])})`;
    return `(${walk(n.kids[0])} ${n.op} ${walk(n.kids[1])})`;
  };
  return { sql: walk(node), params };
}

// --- running SQL ---

function psql(sql, { database = DATABASE, stopOnError = true } = {}) {
  const args = ['-X', '-q', '-A', '-t', '-F', '|', '-d', database];
  if (stopOnError) args.push('-v', 'ON_ERROR_STOP=1');
  const out = spawnSync(PSQL, args, { input: sql, encoding: 'utf8', maxBuffer: 1 << 28 });
  // psql stops reading at the first error (ON_ERROR_STOP): the rest of the input is not wanted.
  if (out.error && out.error.code !== 'EPIPE') throw out.error;
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

function mustPsql(sql, database) {
  const out = psql(sql, { database });
  if (out.status !== 0) throw new Error(`psql failed:\n${out.stderr}`);
  return out.stdout;
}

// The key of each row, with the select list's text when there is one.
const rowExpr = (table, sel) => (sel ? `${table.keyExpr} || ' ' || ${sel}` : table.keyExpr);
const aggregate = (table, schema, where, sel) => `select coalesce(string_agg(k, ',' order by k), '') as keys,
 count(*) as n from (select ${rowExpr(table, sel)} as k from ${schema}."${table.name}" where ${where}) s`;

// SQL that runs clause `node` both ways and prints R|i|wrapper rows|plain rows|same|pushed.
function clauseScript(table, node, i, sel) {
  const plain = render(node, true).sql;
  const { sql: prepared, params } = render(node, false);
  const parts = [];
  if (params.length > 0) {
    const types = params.map((p) => p.type).join(', ');
    const values = params.map((p) => p.value).join(', ');
    parts.push(`prepare q (${types}) as ${aggregate(table, 'diff', prepared, sel)};`);
    parts.push(`execute q (${values}) \\gset w_`);
    parts.push(`select diff_pushed(${lit(`execute q (${values})`)}) as pushed \\gset`);
    parts.push('deallocate q;');
  } else {
    parts.push(`${aggregate(table, 'diff', plain, sel)} \\gset w_`);
    parts.push(`select diff_pushed(${lit(`select * from diff."${table.name}" where ${plain}`)}) as pushed \\gset`);
  }
  parts.push(`${aggregate(table, 'plain', plain, sel)} \\gset l_`);
  parts.push(`select 'R', ${i}, :w_n, :l_n, :'w_keys' = :'l_keys', :'pushed';`);
  return parts.join('\n');
}

// moto's server fails (HTTP 500) to project a document path through a value that is not a map.
const SESSION = `set search_path = public, extensions;
set plan_cache_mode = force_generic_plan;
${process.env.DYNAMODB_BACKEND === 'moto' ? 'set dynamodb.project_document_paths = off;\n' : ''}`;

// Runs clauses [from, to) of a table; returns results by index, and the first error.
function runClauses(table, clauses, sels, from) {
  const script = SESSION + clauses.slice(from).map((c, j) => clauseScript(table, c, from + j, sels[from + j])).join('\n');
  const out = psql(script);
  const results = new Map();
  for (const line of out.stdout.split('\n')) {
    const f = line.split('|');
    if (f[0] !== 'R') continue;
    results.set(Number(f[1]), { wrapper: Number(f[2]), plain: Number(f[3]), same: f[4] === 't', pushed: f[5] === 't' });
  }
  return { results, error: out.status !== 0 ? out.stderr.trim() : null };
}

// Rows of one clause both ways (for shrinking and reporting).
function rowsOf(table, node, sel) {
  const plain = render(node, true).sql;
  const { sql: prepared, params } = render(node, false);
  const agg = (schema, where) => `select ${rowExpr(table, sel)} from ${schema}."${table.name}" where ${where} order by 1;`;
  let wrapperSql;
  if (params.length > 0) {
    wrapperSql = `prepare q (${params.map((p) => p.type).join(', ')}) as ${agg('diff', prepared).slice(0, -1)};
execute q (${params.map((p) => p.value).join(', ')});`;
  } else {
    wrapperSql = agg('diff', plain);
  }
  const w = psql(SESSION + wrapperSql);
  const l = psql(SESSION + agg('plain', plain));
  const lines = (o) => o.stdout.split('\n').filter((x) => x !== '');
  return {
    wrapper: w.status === 0 ? lines(w) : null,
    plain: l.status === 0 ? lines(l) : null,
    error: w.status !== 0 ? w.stderr.trim() : null,
  };
}

const differs = (r) => r.error !== null || r.wrapper === null || r.plain === null
  || r.wrapper.join(',') !== r.plain.join(',');

// Replaces subtrees by their children while the clause still fails.
function shrink(table, node, sel) {
  let current = node;
  for (let changed = true; changed;) {
    changed = false;
    const candidates = [];
    const collect = (n, replace) => {
      if (n.kids) {
        for (const kid of n.kids) candidates.push(replace(kid));
        n.kids.forEach((kid, j) => collect(kid, (sub) => replace({ ...n, kids: n.kids.map((x, m) => (m === j ? sub : x)) })));
      }
    };
    collect(current, (sub) => sub);
    for (const c of candidates) {
      if (differs(rowsOf(table, c, sel))) {
        current = c;
        changed = true;
        break;
      }
    }
  }
  return current;
}

function report(table, node, i, itemsByKey, why, sel) {
  const small = shrink(table, node, sel);
  const r = rowsOf(table, small, sel);
  const { sql, params } = render(small, false);
  const lines = [];
  lines.push(`MISMATCH in table ${table.name}, clause ${i}: ${why}`);
  lines.push(`  clause:  where ${render(node, true).sql}`);
  lines.push(`  smallest failing part:  select ${rowExpr(table, sel)} from diff."${table.name}" where ${render(small, true).sql};`);
  if (params.length > 0) {
    lines.push(`  as a prepared statement (generic plan): prepare q (${params.map((p) => p.type).join(', ')}) as ... where ${sql}; execute q (${params.map((p) => p.value).join(', ')});`);
  }
  if (r.error) lines.push(`  the wrapper's error: ${r.error}`);
  if (r.wrapper && r.plain) {
    const w = new Set(r.wrapper);
    const l = new Set(r.plain);
    const onlyW = r.wrapper.filter((k) => !l.has(k));
    const onlyL = r.plain.filter((k) => !w.has(k));
    lines.push(`  the wrapper returned ${r.wrapper.length} rows, the plain table ${r.plain.length}`);
    for (const [what, keys] of [['only through the wrapper', onlyW], ['only in the plain table', onlyL]]) {
      for (const k of keys.slice(0, 5)) {
        lines.push(`  ${what}: ${k}  item: ${JSON.stringify(itemsByKey.get(k.split(' ')[0]), (key, v) => (v instanceof Uint8Array ? `0x${hex(v)}` : v))}`);
      }
    }
  }
  const plan = psql(`${SESSION}explain (verbose, costs off) select ${rowExpr(table, sel)} from diff."${table.name}" where ${render(small, true).sql};`);
  lines.push('  plan:');
  for (const l of (plan.stdout || plan.stderr).split('\n').filter((x) => x)) lines.push(`    ${l}`);
  return lines.join('\n');
}

// --- setup ---

function createDatabase() {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  mustPsql(`drop database if exists ${DATABASE};\ncreate database ${DATABASE};`, 'postgres');
  let sql = `create schema extensions;
create extension wrappers with schema extensions;
set search_path = public, extensions;
create foreign data wrapper dynamodb_wrapper handler dynamo_db_fdw_handler validator dynamo_db_fdw_validator;
create server diff_server foreign data wrapper dynamodb_wrapper
  options (region 'us-east-1', endpoint_url ${lit(endpoint)}, aws_access_key_id 'test', aws_secret_access_key 'test');
create schema diff;
create schema plain;
create function diff_pushed(q text) returns boolean language plpgsql as $f$
declare line text;
begin
  for line in execute 'explain (costs off) ' || q loop
    if line ~ 'DynamoDB (Key Condition|Filter|Keys):' then return true; end if;
  end loop;
  return false;
end $f$;
`;
  for (const t of TABLES) {
    const cols = t.columns.map((c) => `"${c.name}" ${c.type}`).join(', ');
    const foreignCols = t.columns
      .map((c) => `"${c.name}" ${c.type}${c.options ? ` options (${c.options})` : ''}`).join(', ');
    sql += `create foreign table diff."${t.name}" (${foreignCols}) server diff_server options (table ${lit(t.name)});\n`;
    sql += `create table plain."${t.name}" (${cols});\n`;
  }
  mustPsql(sql);
}

async function scanAll(client, name) {
  const items = [];
  let start;
  do {
    const out = await client.send(new ScanCommand({ TableName: name, ExclusiveStartKey: start }));
    items.push(...out.Items);
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

async function loadTable(client, table, r, count) {
  const items = [];
  for (let i = 0; i < count; i++) {
    const item = table.item(r, i);
    for (const k of Object.keys(item)) if (item[k] === undefined) delete item[k];
    items.push(item);
  }
  await recreateTable(client, table);
  await writeItems(client, table.name, items);
  // The plain table holds what DynamoDB holds, as read back by the SDK.
  const stored = await scanAll(client, table.name);
  if (stored.length !== items.length) {
    throw new Error(`table ${table.name}: wrote ${items.length} items, read back ${stored.length}`);
  }
  const copy = stored.map((it) => table.columns.map((c) => copyField(c.kind === 'attrs'
    ? catchAllText(table, it) : columnText(c.kind, it[c.name]))).join('\t'));
  mustPsql(`copy plain."${table.name}" from stdin;\n${copy.join('\n')}\n\\.\nanalyze plain."${table.name}";\n`);
  return new Map(stored.map((it) => [itemKey(table, it), it]));
}

// --- main ---

async function main() {
  const backend = process.env.DYNAMODB_BACKEND ?? 'dynamodb';
  const replay = `DIFF_SEED=${SEED} DIFF_CLAUSES=${CLAUSES} DIFF_ITEMS=${ITEMS}`;
  console.log(`differential (${backend}): seed ${SEED}, ${CLAUSES} clauses, ${ITEMS} items over ${TABLES.length} tables; replay with ${replay}`);
  const r = randomSource(SEED);
  const client = makeClient();
  createDatabase();
  const failures = [];
  let total = 0;
  let pushed = 0;
  const distinct = new Set();
  let empty = 0;
  try {
    for (const table of TABLES) {
      const count = Math.max(20, Math.round(ITEMS * table.share));
      const itemsByKey = await loadTable(client, table, r, count);
      const n = Math.max(10, Math.round(CLAUSES * table.share));
      const clauses = Array.from({ length: n }, () => clause(table, r, 3));
      const sels = clauses.map(() => selectList(table, r));
      let from = 0;
      while (from < clauses.length) {
        const { results, error } = runClauses(table, clauses, sels, from);
        for (const [i, res] of results) {
          total++;
          if (res.pushed) pushed++;
          if (res.plain === 0) empty++;
          distinct.add(`${table.name}:${res.plain}:${res.same}`);
          if (!res.same || res.wrapper !== res.plain) {
            failures.push({ table, node: clauses[i], i, itemsByKey, sel: sels[i], why: `${res.wrapper} rows through the wrapper, ${res.plain} in the plain table${res.same ? '' : ' (or other values)'}` });
          }
        }
        const done = results.size === 0 ? from : Math.max(...results.keys()) + 1;
        if (error === null) break;
        // The clause after the last result failed with an error: record it and go on after it.
        total++;
        failures.push({ table, node: clauses[done], i: done, itemsByKey, sel: sels[done], why: `error: ${error.split('\n')[0]}` });
        from = done + 1;
      }
      console.log(`  ${table.name}: ${count} items, ${n} clauses`);
    }
    console.log(`differential: ${total} clauses, ${pushed} sent work to DynamoDB, ${empty} returned no rows, ${failures.length} differed`);
    let ok = failures.length === 0;
    for (const f of failures.slice(0, 5)) console.log(report(f.table, f.node, f.i, f.itemsByKey, f.why, f.sel));
    if (failures.length > 5) console.log(`... and ${failures.length - 5} more`);
    // The comparison is not vacuous: most clauses push work to DynamoDB, and results vary.
    if (pushed < total * 0.6) {
      console.log(`FAIL: only ${pushed} of ${total} clauses sent work to DynamoDB`);
      ok = false;
    }
    if (empty === 0 || empty > total * 0.6 || distinct.size < total * 0.1) {
      console.log(`FAIL: the clauses select too little variety (${empty} empty, ${distinct.size} distinct counts)`);
      ok = false;
    }
    if (!ok) console.log(`differential: FAILED; replay with ${replay} node test/differential/run.mjs`);
    process.exitCode = ok ? 0 : 1;
  } finally {
    client.destroy();
  }
}

main().catch((err) => {
  console.error(`differential: ${err.stack ?? err}`);
  process.exit(1);
});
