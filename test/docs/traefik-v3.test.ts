// docs/traefik-v3.md stays true: the paths it names exist, its example body is what the code
// serves for that app, and its static configuration is the one deploy/traefik/traefik-v3.yml holds.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseManifestText } from '../../src/manifest/parse.js';
import { stableJson, traefikDynamicConfig } from '../../src/status/traefik-config.js';
import { appStatus } from '../status/fixtures.js';
import { missingPaths, readDoc, REPO_ROOT } from './doc-files.js';

describe('docs/traefik-v3.md', () => {
  it('names only paths that exist', async () => {
    expect(missingPaths(await readDoc('traefik-v3.md'))).toEqual([]);
  });

  it('shows the body the code serves for examples/whoami.yaml with two tasks', async () => {
    const doc = await readDoc('traefik-v3.md');
    const shown = /Example, for `examples\/whoami.yaml`[^\n]*\n\n```json\n(.*)\n```/.exec(doc)?.[1];
    const [app] = parseManifestText(readFileSync(join(REPO_ROOT, 'examples/whoami.yaml'), 'utf8'), 'whoami.yaml', { traefik: 'v3' }).apps;
    const route = app?.route;
    expect(route).toBeDefined();
    const servers = ['http://127.0.0.1:31004', 'http://127.0.0.1:31517'];
    expect(shown).toBe(stableJson(traefikDynamicConfig([appStatus({ id: '/demo/whoami', route: route ? { ...route, servers } : null })])));
  });

  it('shows the provider settings deploy/traefik/traefik-v3.yml uses', async () => {
    const doc = await readDoc('traefik-v3.md');
    const shown = parse(/```yaml\n([\s\S]*?)```/.exec(doc)?.[1] ?? '') as { providers: { http: Record<string, unknown> } };
    const example = parse(readFileSync(join(REPO_ROOT, 'deploy/traefik/traefik-v3.yml'), 'utf8')) as { providers: { http: Record<string, unknown> } };
    const { headers: _headers, ...settings } = shown.providers.http;
    expect(example.providers.http).toEqual(settings);
  });
});
