// onActiveLost: resume, HTTP: the active drops the router's connection with a FetchResults in
// flight and stays active (a reset, Jetty's idle timeout). The node had already moved the
// operation's cursor, so sending the same FetchResults again would skip rows without a word. The
// operation counts as lost instead: its query is run again from the first row (no row had reached
// the client). A call dropped twice is answered HY000, not sent a third time; the session goes on.
import { describe, expect, test } from 'vitest';
import { readSimStats, setReplyDelay } from '../../sim/spawn.js';
import { eventually } from '../helpers/eventually.js';
import { PASSWORD, rig } from './helpers.js';
import { PerCallClient } from './per-call-client.js';

const drop = (restUrl: string) => fetch(`${restUrl}/_sim/drop-connections`, { method: 'POST' }).then((r) => expect(r.status).toBe(204));
const fetchesReached = async (restUrl: string, n: number) =>
  eventually(async () => ((await readSimStats(restUrl)).fetchCalls >= n ? true : undefined), { what: `FetchResults number ${n}` });

describe('onActiveLost: resume (HTTP), FetchResults in flight when the connection drops', () => {
  test('dropped once: the rows start at row-0 (none skipped); dropped twice: HY000 naming the drops; the session goes on', async () => {
    const r = await rig('resume', 'plain', false, undefined, { transport: 'http' });
    const c = new PerCallClient(r.router.port, 'alice', PASSWORD, 'cookie');
    const bystander = new PerCallClient(r.router.port, 'alice', PASSWORD, 'cookie');
    await Promise.all([c.open(), bystander.open()]);
    expect(await bystander.query('USE sales')).toEqual([]);
    await setReplyDelay(r.a.restUrl, 'FetchResults', 1000); // the node moves the cursor, then answers late

    const first = c.query('SELECT * FROM range(10)', undefined, 4);
    const before = (await readSimStats(r.a.restUrl)).fetchCalls;
    await fetchesReached(r.a.restUrl, before + 1);
    await drop(r.a.restUrl);
    expect(await first).toEqual(['row-0', 'row-1', 'row-2', 'row-3']);

    const twice = c.query('SELECT * FROM range(10)', undefined, 4);
    const base = (await readSimStats(r.a.restUrl)).fetchCalls;
    await fetchesReached(r.a.restUrl, base + 1);
    await drop(r.a.restUrl);
    await fetchesReached(r.a.restUrl, base + 2); // sent again once, on the query run again
    await drop(r.a.restUrl);
    expect(await twice).toMatchObject({ statusCode: 3, sqlState: 'HY000', errorMessage: expect.stringMatching(/dropped 2 times/) });

    await setReplyDelay(r.a.restUrl, 'FetchResults', 0);
    expect(await c.query('SELECT * FROM range(3)')).toEqual(['row-0', 'row-1', 'row-2']);
    expect(await bystander.query('SELECT current_database()')).toEqual(['sales']);
    expect(r.router.lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('session not resumed'))).toEqual([]);
    await Promise.all([c.close(), bystander.close()]);
  }, 40_000);
});
