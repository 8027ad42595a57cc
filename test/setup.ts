// vitest setupFiles: runs in every test file. Hooks registered here run first before and last
// after the file's own, so a test's afterEach can still use what it started.
import { afterAll, afterEach, beforeEach } from 'vitest';
import { enterTest, stopFileThings, stopTestThings } from './helpers/registry.js';

beforeEach(enterTest);
afterEach(stopTestThings);
afterAll(stopFileThings);
