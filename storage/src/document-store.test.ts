import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from './database.js';
import { DocumentStore } from './document-store.js';

describe('DocumentStore', () => {
  let dir: string;
  let db: Database;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-docs-'));
    db = await Database.open({ dataDir: dir });
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores, replaces, lists per tenant and kind, and deletes documents durably', async () => {
    const docs = await DocumentStore.open(db);
    await docs.put('a', 'filter', 'f1', { n: 1 }, 10);
    await docs.put('a', 'filter', 'f1', { n: 2 }, 20);
    await docs.put('b', 'filter', 'f1', { n: 3 }, 30);
    await docs.put('a', 'alarm', 'x', { n: 4 }, 40);
    expect(docs.get('a', 'filter', 'f1')).toMatchObject({ body: { n: 2 }, createdMs: 10, updatedMs: 20 });
    expect(docs.list('filter', 'a').map((d) => d.body)).toEqual([{ n: 2 }]);
    expect(docs.list('filter').map((d) => d.tenant)).toEqual(['a', 'b']);
    await docs.delete('a', 'alarm', 'x');
    await expect(docs.delete('a', 'alarm', 'x')).rejects.toThrow('does not exist');
    await db.close();
    db = await Database.open({ dataDir: dir });
    const again = await DocumentStore.open(db);
    expect(again.get('a', 'filter', 'f1')?.body).toEqual({ n: 2 });
    expect(again.get('a', 'alarm', 'x')).toBeUndefined();
  });
});
