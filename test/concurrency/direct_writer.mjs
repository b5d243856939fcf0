// Races the wrapper from outside: writes `note = "D<k>|"` to one item of `counters` with the AWS
// SDK for JavaScript (not the wrapper), k = 1..count, while psql sessions append to the same
// note through the wrapper. Before each write it reads the item (strongly consistent) and checks
// that the note still starts with its previous value: a wrapper UPDATE that read the item before
// that write and wrote after it would have replaced the prefix.
//
//   DYNAMODB_ENDPOINT=... node test/concurrency/direct_writer.mjs <id> <count> <pause ms>
//
// Prints the number of direct writes; exits 1 (naming the write) when one was overwritten.
import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { makeClient } from '../fixtures/load.mjs';

const [id, countText, pauseText] = process.argv.slice(2);
const count = Number(countText);
const pause = Number(pauseText);
const client = makeClient();
const key = { id: { S: id } };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let lost = 0;
for (let k = 1; k <= count; k++) {
  if (k > 1) {
    const got = await client.send(
      new GetItemCommand({ TableName: 'counters', Key: key, ConsistentRead: true }),
    );
    const note = got.Item && got.Item.note && got.Item.note.S;
    if (typeof note !== 'string' || !note.startsWith(`D${k - 1}|`)) {
      console.error(`direct write D${k - 1} was overwritten: the note is ${JSON.stringify(note)}`);
      lost++;
    }
  }
  await client.send(
    new UpdateItemCommand({
      TableName: 'counters',
      Key: key,
      UpdateExpression: 'SET note = :v',
      ExpressionAttributeValues: { ':v': { S: `D${k}|` } },
    }),
  );
  await sleep(pause);
}
console.log(count);
process.exit(lost === 0 ? 0 : 1);
