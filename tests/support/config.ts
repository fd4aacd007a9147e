import { ConfigError, loadConfig } from '../../src/config.js';

/** The problems loadConfig lists for an environment (fails the test if it accepts it). */
export function problemsOf(environment: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(environment);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}
