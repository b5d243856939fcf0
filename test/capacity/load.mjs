// Tables of the capacity test (test/capacity/run.sh), written and read with the AWS SDK for
// JavaScript v3, never with the wrapper under test.
//
//   node test/capacity/load.mjs load             # creates and fills the tables
//   node test/capacity/load.mjs count <table>    # prints the number of items (a Scan)
//
// capacity_items: 4000 items of about 1 KB (id S 'i0000'..'i3999', payload S), provisioned
// with 200 read and 200 write units, so that a Scan of it consumes about 500 read units;
// capacity_writes: empty, on demand.
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { makeClient, writeItems } from '../fixtures/load.mjs';

export const ITEMS = 4000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function recreate(client, name, provisioned) {
  try {
    await client.send(new DeleteTableCommand({ TableName: name }));
  } catch (err) {
    if (err.name !== 'ResourceNotFoundException') throw err;
  }
  for (;;) {
    try {
      await client.send(new DescribeTableCommand({ TableName: name }));
      await sleep(50);
    } catch (err) {
      if (err.name === 'ResourceNotFoundException') break;
      throw err;
    }
  }
  await client.send(new CreateTableCommand({
    TableName: name,
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    ...(provisioned
      ? { ProvisionedThroughput: { ReadCapacityUnits: 200, WriteCapacityUnits: 200 } }
      : { BillingMode: 'PAY_PER_REQUEST' }),
  }));
  for (;;) {
    const out = await client.send(new DescribeTableCommand({ TableName: name }));
    if (out.Table.TableStatus === 'ACTIVE') return;
    await sleep(50);
  }
}

async function count(client, name) {
  let n = 0;
  let start;
  do {
    const out = await client.send(new ScanCommand({ TableName: name, Select: 'COUNT', ExclusiveStartKey: start }));
    n += out.Count;
    start = out.LastEvaluatedKey;
  } while (start);
  return n;
}

const client = makeClient();
try {
  const [command, table] = process.argv.slice(2);
  if (command === 'load') {
    await recreate(client, 'capacity_items', true);
    await recreate(client, 'capacity_writes', false);
    const items = [];
    for (let i = 0; i < ITEMS; i++) {
      const id = `i${String(i).padStart(4, '0')}`;
      items.push({ id: { S: id }, payload: { S: id.repeat(200) } });
    }
    await writeItems(client, 'capacity_items', items, 8);
    console.log(`loaded capacity_items: ${ITEMS} items; capacity_writes: empty`);
  } else if (command === 'count' && table) {
    console.log(await count(client, table));
  } else {
    console.error('usage: node test/capacity/load.mjs load | count <table>');
    process.exit(2);
  }
} finally {
  client.destroy();
}
