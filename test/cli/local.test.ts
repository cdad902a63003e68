/** The CLI against the real local server (files + SQLite), and its terminal output under a pseudo-terminal. */
import { describe } from 'vitest';
import { localBackend } from './backends.js';
import { cliSuite } from './suite.js';

describe('mreg against the local server', () => {
  cliSuite(localBackend);
});
