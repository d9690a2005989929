/** A config that cannot be used: main.ts prints each line as `config error: ...` and exits with code 2. */
export class ConfigError extends Error {
  /** One message per problem, each naming the field (and where its value came from). */
  readonly problems: string[];

  constructor(problems: string[]) {
    super(problems.join('; '));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** The exit code of a process that refuses its config (distinct from 1 = crashed). */
export const CONFIG_EXIT_CODE = 2;
