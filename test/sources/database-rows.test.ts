import { describe, expect, it } from 'vitest';
import { IdBatch } from '../../src/sources/database-rows.js';

describe('IdBatch', () => {
  it('collects distinct ids until taken', () => {
    const b = new IdBatch(10);
    b.add('/a');
    b.add('/b');
    b.add('/a');
    expect(b.take()).toEqual({ ids: ['/a', '/b'] });
    expect(b.empty).toBe(true);
  });

  it('turns into a full read on the "everything" payload (TRUNCATE) or past its limit', () => {
    const truncate = new IdBatch(10);
    truncate.add('/a');
    truncate.add('*');
    truncate.add('/b');
    expect(truncate.take()).toEqual({ all: true });
    expect(truncate.take()).toEqual({ ids: [] });
    const bulk = new IdBatch(2);
    for (const id of ['/a', '/b', '/c']) bulk.add(id);
    expect(bulk.take()).toEqual({ all: true });
  });
});
