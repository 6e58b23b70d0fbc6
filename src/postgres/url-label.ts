// How a database is named in a log line or an error: its name and host, never its credentials.

export function databaseUrlLabel(url: string): string {
  try {
    const u = new URL(url);
    return `database ${u.pathname.replace(/^\//, '') || '(default)'} on ${u.host}`;
  } catch {
    return 'the database';
  }
}
