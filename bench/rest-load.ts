// The REST bench's client, in its own process so it does not share an event loop with the proxy
// measured: `concurrency` kept-alive connections, each sending GET requests back to back for
// `durationMs`, answering requests/s and latency percentiles over IPC.
import http from 'node:http';

export interface RestLoadJob {
  port: number;
  path: string;
  authorization: string;
  concurrency: number;
  durationMs: number;
}

export interface RestLoadAnswer {
  requests: number;
  errors: number;
  perSec: number;
  p50Us: number;
  p99Us: number;
  /** Filled in by the parent: the proxy's CPU time over this job, per request. */
  proxyCpuUsPerRequest?: number;
}

function once(agent: http.Agent, job: RestLoadJob): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: job.port, path: job.path, agent, headers: { authorization: job.authorization } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
      res.on('error', () => resolve(false));
    });
    req.on('error', () => resolve(false));
  });
}

async function run(job: RestLoadJob): Promise<RestLoadAnswer> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const latencies: number[] = [];
  let errors = 0;
  const started = Date.now();
  const end = started + job.durationMs;
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (Date.now() < end) {
        const t = process.hrtime.bigint();
        if (await once(agent, job)) latencies.push(Number(process.hrtime.bigint() - t) / 1000);
        else errors++;
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { requests: latencies.length, errors, perSec: latencies.length / seconds, p50Us: at(0.5), p99Us: at(0.99) };
}

process.on('message', (job: RestLoadJob) => {
  void run(job).then((a) => process.send?.(a));
});
process.on('disconnect', () => process.exit(0));
process.send?.({ port: 0 });
