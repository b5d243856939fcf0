// Reads the fault proxy's record of answers (GET /answers) on stdin and checks a paced statement:
//
//   node test/capacity/check.mjs <name> <operation> <budget> <min s> <max s> <min units>
//
// The answers of <operation> must carry at least <min units> capacity units in all, span from
// <min s> to <max s> seconds (first answer to last), and no one-second window may hold more than
// the budget plus the documented burst (half the budget). A budget of 0 checks nothing but the
// span. Prints one line of figures; exits 1 when a check fails.
const [name, operation, budgetText, minText, maxText, minUnitsText] = process.argv.slice(2);
const budget = Number(budgetText);
const burst = budget * 0.5;
let text = '';
process.stdin.on('data', (d) => { text += d; });
process.stdin.on('end', () => {
  const answers = JSON.parse(text).filter((a) => a.operation === operation);
  if (answers.length === 0) {
    console.error(`capacity: ${name} FAILED: no ${operation} answer was recorded`);
    process.exit(1);
  }
  const units = answers.reduce((s, a) => s + a.units, 0);
  const span = (answers[answers.length - 1].at - answers[0].at) / 1000;
  let worst = 0;
  for (let i = 0; i < answers.length; i++) {
    let sum = 0;
    for (let j = i; j < answers.length && answers[j].at < answers[i].at + 1000; j++) sum += answers[j].units;
    worst = Math.max(worst, sum);
  }
  const figures = `${answers.length} ${operation} answers, ${units} units in ${span.toFixed(2)} s, ` +
    `at most ${worst} units in one second`;
  const problems = [];
  if (units < Number(minUnitsText)) problems.push(`fewer than ${minUnitsText} units`);
  if (span < Number(minText) || span > Number(maxText)) problems.push(`not ${minText} to ${maxText} s`);
  if (budget > 0 && worst > budget + burst) problems.push(`a second above ${budget} + ${burst} units`);
  if (problems.length > 0) {
    console.error(`capacity: ${name} FAILED: ${figures}: ${problems.join('; ')}`);
    process.exit(1);
  }
  console.log(`capacity: ${name}: ${figures}${budget > 0 ? ` (budget ${budget} a second)` : ''}`);
});
