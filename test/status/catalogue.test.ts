import { describe, expect, it } from 'vitest';
import { aboutApp } from '../../src/status/catalogue.js';

describe('aboutApp: what the catalogue shows of a declared app', () => {
  it('takes the image and resources from the definition', () => {
    expect(aboutApp({ definition: { id: '/a', cpus: 0.5, mem: 256, container: { type: 'DOCKER', docker: { image: 'hbpmip/portal:1.2' } } } })).toEqual({
      image: 'hbpmip/portal:1.2',
      cpus: 0.5,
      mem: 256,
      title: null,
      description: null,
      links: {},
    });
  });

  it('reads the title, description and links from the image-metadata labels, highest precedence first', () => {
    const about = aboutApp({
      definition: {
        id: '/a',
        labels: {
          'org.label-schema.description': 'legacy text',
          'org.opencontainers.image.description': 'A <b>notebook</b>',
          'org.opencontainers.image.title': 'Notebook',
          'org.opencontainers.image.documentation': 'https://docs.example.org/nb',
          'org.opencontainers.image.source': 'git+ssh://git@example.org/nb.git',
        },
      },
    });
    expect(about).toMatchObject({ title: 'Notebook', description: 'A <b>notebook</b>', links: { documentation: 'https://docs.example.org/nb' } });
    // A source only git can open is no link for a browser.
    expect(about.links.source).toBeUndefined();
  });

  it('leaves out links that are not valid URLs (javascript:, plain text)', () => {
    const about = aboutApp({
      definition: { id: '/a', labels: { 'org.opencontainers.image.url': 'javascript:alert(1)', 'org.opencontainers.image.documentation': 'see README' } },
    });
    expect(about.links).toEqual({});
    expect(about.image).toBeNull();
  });

  it("falls back to what the image's own labels say, read from its registry; the app's labels win", () => {
    const about = aboutApp({
      definition: { id: '/a', labels: { 'org.opencontainers.image.title': 'Lab notebook' } },
      image: {
        reference: 'nb:1',
        digest: `sha256:${'a'.repeat(64)}`,
        filled: {},
        info: { title: 'Notebook', description: 'A notebook server', documentation: 'https://docs.example.org/nb', url: 'javascript:alert(1)' },
      },
    });
    expect(about).toMatchObject({ title: 'Lab notebook', description: 'A notebook server', links: { documentation: 'https://docs.example.org/nb' } });
    expect(about.links.url).toBeUndefined();
  });
});
