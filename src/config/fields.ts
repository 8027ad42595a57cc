import { z } from 'zod';

/** Shared field shapes, so every file reports the same wording for the same mistake. */
export const port = z
  .number({ error: 'must be a number 1-65535' })
  .int({ error: 'must be a whole number 1-65535' })
  .min(1, { error: 'must be 1-65535' })
  .max(65535, { error: 'must be 1-65535' });

/** Port 0 lets the OS choose: for listeners in tests and the demo. */
export const listenPort = z
  .number({ error: 'must be a number 0-65535' })
  .int({ error: 'must be a whole number 0-65535' })
  .min(0, { error: 'must be 0-65535' })
  .max(65535, { error: 'must be 0-65535' });

export const host = z.string({ error: 'must be a host name or IP address' }).min(1, { error: 'must not be empty' });

export function ms(defaultMs: number, { allowZero = false } = {}) {
  const base = z.number({ error: 'must be a number of milliseconds' }).int({ error: 'must be a whole number of milliseconds' });
  return (allowZero ? base.min(0, { error: 'must be 0 (off) or more' }) : base.min(1, { error: 'must be at least 1' })).default(defaultMs);
}

export function count(defaultValue: number, min = 1) {
  return z
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .default(defaultValue);
}
