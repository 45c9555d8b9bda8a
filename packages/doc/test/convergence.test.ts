import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checksum } from '../src/checksum.js';
import { validateDocument } from '../src/zone.js';
import { arbDoc, FC_PARAMS, genOp, USERS, type User } from './arbitraries.js';
import { deliver, SimClient, SimServer } from './sim.js';

type Step = { kind: 'edit' | 'send' | 'receive'; user: number };

const arbStep: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom('edit', 'edit', 'send', 'receive', 'receive'),
  user: fc.integer({ min: 0, max: 2 }),
});

describe('convergence through a sequencer', () => {
  it('2-3 users editing concurrently with random delivery end with the same document as the server', () => {
    fc.assert(
      fc.property(
        arbDoc,
        fc.gen(),
        fc.integer({ min: 2, max: 3 }),
        fc.array(arbStep, { minLength: 1, maxLength: 30 }),
        (doc, g, n, steps) => {
          const server = new SimServer(doc);
          const clients = USERS.slice(0, n).map((u) => new SimClient(u, doc));
          let at = 1;
          for (const { kind, user } of steps) {
            const c = clients[user % n];
            if (kind === 'edit') c.local(genOp(g, c.doc, c.name as User, at++));
            else if (kind === 'send') {
              const sub = c.send();
              if (sub) deliver(server, clients, c, sub);
            } else c.receive();
          }
          // Quiesce: everyone sends what is left and reads everything.
          for (let busy = true; busy; ) {
            busy = false;
            for (const c of clients) {
              while (c.receive()) busy = true;
              const sub = c.send();
              if (sub) {
                deliver(server, clients, c, sub);
                busy = true;
              }
            }
          }
          expect(validateDocument(server.doc)).toEqual([]);
          for (const c of clients) {
            expect(c.doc).toEqual(server.doc);
            expect(checksum(c.doc)).toBe(checksum(server.doc));
          }
        },
      ),
      FC_PARAMS,
    );
  });
});
