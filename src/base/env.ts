// The only module that reads process.env (see STYLE.md: configuration is read in one place).
// Everything else receives the environment as a plain object, so tests pass their own.

export type Env = Readonly<Record<string, string | undefined>>;

export function processEnv(): Env {
  return Object.freeze({ ...process.env });
}
