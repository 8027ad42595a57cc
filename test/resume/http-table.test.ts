// The router-wide table of HTTP sessions (onActiveLost: resume): whose calls a kept handle is
// honoured for, and the idle bound after which a session is forgotten with its kept login.
import { afterEach, expect, test, vi } from 'vitest';
import { ClusterState } from '../../src/cluster/cluster-state.js';
import { noopObserver } from '../../src/observe.js';
import { NO_CHECKS } from '../../src/health/checks-view.js';
import { HttpSessionTable } from '../../src/resume/http-session-table.js';
import { ResumeCoordinator } from '../../src/resume/resume-coordinator.js';
import { SessionRegistry } from '../../src/session/registry.js';
import type { HttpHead } from '../../src/wire/http-message.js';
import type { CallView } from '../../src/wire/tcli-view.js';
import { captureLogger, testConfig } from '../helpers/router.js';

const ALICE = 'Basic ' + Buffer.from('alice:pw').toString('base64');
const BOB = 'Basic ' + Buffer.from('bob:pw').toString('base64');
const kit = { openSession: Buffer.alloc(0), clientOpenSession: Buffer.alloc(0), sessionName: 'livy-router-x' };
const route = { target: '/cliservice', host: 'router:10090', authorization: ALICE };
const head = (...headers: Array<[string, string]>): HttpHead => ({ startLine: 'POST /cliservice HTTP/1.1', headers, end: 0 });
/** A call naming the session whose handle is 32 bytes of `fill`. */
const naming = (fill: number): [Buffer, CallView] => [Buffer.alloc(32, fill), { type: 1, name: 'GetInfo', seqid: 1, session: { guid: 0, secret: 16 } }];

function table(idleMs = 1_800_000): HttpSessionTable {
  const config = testConfig([{ name: 'a', port: 1 }], { onActiveLost: 'resume', resumeHttpIdleMs: idleMs });
  const { log } = captureLogger();
  const cluster = new ClusterState(config.nodes, log);
  const coordinator = new ResumeCoordinator(cluster, NO_CHECKS, new SessionRegistry(), () => config, log, noopObserver);
  const t = new HttpSessionTable(cluster, NO_CHECKS, coordinator, () => config, log, noopObserver);
  stops.push(() => t.stop());
  return t;
}

const stops: Array<() => void> = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
  vi.useRealTimers();
});

test('a kept handle is honoured for the login that opened it only: its Authorization header, or a cookie a node set for that login', () => {
  const t = table();
  const session = t.opened(1, Buffer.alloc(32, 7), 'a', kit, route);
  expect(t.lookup(...naming(7))).toBe(session);
  expect(t.lookup(...naming(8))).toBeUndefined();
  expect(session.honours(head(['authorization', ALICE]))).toBe(true);
  expect(session.honours(head(['authorization', BOB]))).toBe(false);
  expect(session.honours(head(['cookie', 'hive.server2.auth=c1']))).toBe(false);
  session.cookieSet('c1', 'a');
  expect(session.honours(head(['cookie', 'other=1; hive.server2.auth=c1']))).toBe(true);
  // Another login that also carries a cookie of this session is still another login.
  expect(session.honours(head(['authorization', BOB], ['cookie', 'hive.server2.auth=c1']))).toBe(false);
  // A cookie stands for a login (Hive JDBC's cookie store is per connection, not per session).
  const second = t.opened(2, Buffer.alloc(32, 9), 'a', kit, route);
  const bobs = t.opened(3, Buffer.alloc(32, 10), 'a', kit, { ...route, authorization: BOB });
  expect(second.honours(head(['cookie', 'hive.server2.auth=c1']))).toBe(true);
  expect(bobs.honours(head(['cookie', 'hive.server2.auth=c1']))).toBe(false);
  expect(t.cookieLogin(head(['cookie', 'hive.server2.auth=c1']))).toBe(ALICE);
  expect(t.cookieLogin(head(['cookie', 'hive.server2.auth=c2']))).toBeUndefined();
  expect(session.stale('c1')).toBe(false);
  session.nodeName = 'b';
  expect(session.stale('c1')).toBe(true); // node a's cookie, the session lives on b now
});

test('a session no call named for resumeHttpIdleMs is forgotten with its kept login; one in use is kept', () => {
  vi.useFakeTimers();
  const t = table(1000);
  t.opened(1, Buffer.alloc(32, 1), 'a', kit, route);
  const busy = t.opened(2, Buffer.alloc(32, 2), 'a', kit, route);
  vi.advanceTimersByTime(600);
  busy.used(head(['authorization', ALICE]));
  vi.advanceTimersByTime(600);
  expect(t.size).toBe(1);
  expect(t.lookup(...naming(1))).toBeUndefined();
  expect(t.lookup(...naming(2))).toBe(busy);
  vi.advanceTimersByTime(1000);
  expect(t.size).toBe(0);
});
