// The settings of the PostgreSQL servers the tests start. They do not wait for the disk at
// each commit: no test crashes the machine, and a suite run beside other work (CI, two CPU
// burners) spent its time in fsync (3,000 single-row commits took over 60 s once).

export const TEST_SETTINGS: Readonly<Record<string, string>> = { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' };
