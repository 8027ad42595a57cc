// Issue 21: 256 MiB request and response bodies stream through the router process with flat
// memory (RSS growth under 50 MiB): bodies are piped with backpressure, never held whole.
import { createHash } from 'node:crypto';
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { PASSWORD, startRestCluster, USER } from './helpers.js';

const MiB = 1024 * 1024;
const SIZE = 256 * MiB;
const AUTH = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

/** Samples the router's RSS every 50 ms; returns the highest seen. */
function sampleRss(rssKiB: () => number): { stop(): number } {
  let peak = rssKiB();
  const timer = setInterval(() => (peak = Math.max(peak, rssKiB())), 50);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, rssKiB());
    },
  };
}

/** POSTs `size` bytes (chunked, with backpressure); resolves with the node's answer and our SHA-256. */
function upload(port: number, size: number): Promise<{ status: number; body: { bytes: number; sha256: string; node: string }; sha256: string }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    const chunk = Buffer.alloc(256 * 1024);
    for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31) & 0xff;
    const req = http.request(
      { port, host: '127.0.0.1', method: 'POST', path: '/_sim/sink', headers: { authorization: AUTH, 'content-type': 'application/octet-stream' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { bytes: number; sha256: string; node: string }, sha256: hash.digest('hex') }),
        );
      },
    );
    req.on('error', reject);
    let left = size;
    const pump = (): void => {
      while (left > 0) {
        left -= chunk.length;
        hash.update(chunk);
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

function download(port: number, size: number): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ port, host: '127.0.0.1', path: `/_sim/source?bytes=${size}`, headers: { authorization: AUTH } }, (res) => {
      let bytes = 0;
      res.on('data', (d: Buffer) => (bytes += d.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

describe('large REST bodies through the router process', () => {
  it('256 MiB up and 256 MiB down stream with RSS growth under 50 MiB', async () => {
    const c = await startRestCluster([], 'info');
    // Warm up: the first requests load code and open the pooled connection.
    await upload(c.restPort, 4 * MiB);
    await download(c.restPort, 4 * MiB);
    const before = c.router.rssKiB();

    const up = sampleRss(() => c.router.rssKiB());
    const sent = await upload(c.restPort, SIZE);
    const upPeak = up.stop();
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ node: 'livy-a', bytes: SIZE, sha256: sent.sha256 });

    const down = sampleRss(() => c.router.rssKiB());
    const got = await download(c.restPort, SIZE);
    const downPeak = down.stop();
    expect(got).toEqual({ status: 200, bytes: SIZE });

    const growthMiB = (Math.max(upPeak, downPeak) - before) / 1024;
    console.log(
      `router RSS before ${(before / 1024).toFixed(1)} MiB, peak growth ${growthMiB.toFixed(1)} MiB (upload peak ${(upPeak / 1024).toFixed(1)}, download peak ${(downPeak / 1024).toFixed(1)})`,
    );
    expect(growthMiB).toBeLessThan(50);
  }, 120_000);
});
