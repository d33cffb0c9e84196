// Durability: a process streaming transactions (two rows each) is SIGKILLed mid-stream. Every
// transaction it reported committed must be there, and no transaction may be there in part.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, sql } from 'phial/db';
import { spawnTs } from '../server/helpers.ts';
import { DIALECTS, createPairTables, pairState, type TestDatabase } from './helpers.ts';

const WRITER = 'test/db/fixtures/pair-writer.ts';
const ROUNDS = 3;

for (const dialect of DIALECTS) {
  describe(`${dialect.name}: SIGKILL during a stream of transactional writes`, { skip: dialect.skip }, () => {
    let target: TestDatabase | undefined;
    after(async () => { await target?.drop(); });

    test(`${ROUNDS} kills: no committed write lost, no partial transaction`, async () => {
      target = await dialect.create();
      const setup = await createDatabase({ url: target.url }).open();
      await createPairTables(setup.kysely);
      await setup.close();
      const reported = new Set<number>();
      for (let round = 0; round < ROUNDS; round++) {
        const child = spawnTs(WRITER, [target.url]);
        await child.waitFor(/^ready$/);
        // Kill at a different depth each round, after a burst of commits.
        const goal = [...reported].length + 30 + Math.floor(Math.random() * 150);
        await child.waitFor(new RegExp(`^committed ${goal}$`), 30_000);
        child.proc.kill('SIGKILL');
        const exit = await child.exited;
        assert.equal(exit.signal, 'SIGKILL');
        for (const line of child.stdout) {
          const m = /^committed (\d+)$/.exec(line);
          if (m) reported.add(Number(m[1]));
        }
        const db = await createDatabase({ url: target.url }).open();
        try {
          const state = await pairState(db.kysely);
          assert.deepEqual(state.partial, [], 'no transaction has only one of its rows');
          const present = new Set(state.txs);
          const lost = [...reported].filter((tx) => !present.has(tx));
          assert.deepEqual(lost, [], 'every reported commit survived');
          const maxReported = Math.max(...reported);
          // At most the one transaction in flight committed without being reported.
          assert.ok(state.txs.every((tx) => tx <= maxReported + 1), `unexpected tx beyond ${maxReported + 1}`);
          assert.deepEqual(state.txs, Array.from({ length: state.txs.length }, (_, i) => i + 1), 'no gaps');
          assert.equal(state.total, state.txs.length, 'totals moved with the rows');
          if (db.dialect === 'sqlite') assert.deepEqual((await sql`pragma integrity_check`.execute(db.kysely)).rows, [{ integrity_check: 'ok' }]);
        } finally {
          await db.close();
        }
      }
      assert.ok(reported.size >= ROUNDS * 30);
    });
  });
}
