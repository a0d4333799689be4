import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

/**
 * A process that makes ticks in bursts with full collections between them (as a server does), then
 * prints V8's feedback of `process.nextTick`: the state of each property definition of its literal.
 */
const script = (hold: boolean) => `
${hold ? `(await import(${JSON.stringify(new URL('./tick-shape.ts', import.meta.url).href)})).holdTickShape();` : ''}
for (let round = 0; round < 6; round++) {
  await new Promise((done) => {
    let i = 0;
    const step = () => (++i < 2000 ? process.nextTick(step) : done());
    process.nextTick(step);
  });
  await new Promise((done) => setTimeout(done, 5));
  globalThis.gc();
}
%DebugPrint(process.nextTick);
`;

function definitionStates(hold: boolean): string[] {
  const out = execFileSync(
    process.execPath,
    ['--allow-natives-syntax', '--expose-gc', '--input-type=module', '--eval', script(hold)],
    { encoding: 'utf8' },
  );
  return [...out.matchAll(/DefineKeyedOwnPropertyInLiteral (\w+)/g)].map((m) => m[1]);
}

test("Node's tick objects keep one shape across full collections once one is held", () => {
  const held = definitionStates(true);
  const bare = definitionStates(false);
  assert.ok(held.length >= 4, `the literal's definitions were not found (${held.join(', ')})`);
  // Without the hold each collection frees the shape, and after four the definitions are megamorphic.
  assert.deepEqual(
    held.filter((state) => state !== 'MONOMORPHIC'),
    [],
    `held: ${held.join(', ')}; not held: ${bare.join(', ')}`,
  );
});
