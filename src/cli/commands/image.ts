// `maracker image inspect IMAGE` and `maracker image check IMAGE...`: what an image's labels
// say and what maracker derives from them, read straight from its registry; and whether
// images follow the metadata format of docs/image-metadata.md, for an image repository's CI.

import PQueue from 'p-queue';
import { parseOptions, type OptionSpec } from '../../config/options.js';
import { buildRegistryConfig, REGISTRY_OPTIONS, type RegistryConfig } from '../../config/registry.js';
import { followsFormat, imageMetadata } from '../../image/metadata.js';
import { createRegistryClient } from '../../app/registry-client.js';
import type { RegistryClient } from '../../registry/client.js';
import { RegistryError, RegistryReferenceError } from '../../registry/errors.js';
import { parseImageReference, type ImageReference } from '../../registry/reference.js';
import type { CliIO, Command } from '../command.js';
import { inspectJson, renderCheckText, renderInspectText, summarise, type CheckResult } from '../image-report.js';

const options: readonly OptionSpec[] = [
  ...REGISTRY_OPTIONS,
  { name: 'output', short: 'o', type: 'string', description: 'Output format', default: 'text', choices: ['text', 'json'] },
  { name: 'strict', type: 'boolean', default: false, description: 'check: warnings fail too (an ignored label, an empty one)' },
];

const CHECK_CONCURRENCY = 4;

const USAGE = 'usage: maracker image inspect IMAGE [options]\n       maracker image check IMAGE... [options]\n';

async function inspectCommand(ref: ImageReference, config: RegistryConfig, json: boolean, io: CliIO): Promise<number> {
  const registry = await createRegistryClient(config);
  try {
    const result = await registry.inspect(ref);
    const metadata = imageMetadata(result.labels, result.exposedPorts);
    io.stdout.write(json ? `${JSON.stringify(inspectJson(result, metadata), null, 2)}\n` : renderInspectText(result, metadata));
    return 0;
  } catch (err) {
    if (!(err instanceof RegistryError)) throw err;
    io.stderr.write(`maracker image inspect: ${err.message} [${err.code}]\n`);
    return 2;
  } finally {
    await registry.close();
  }
}

async function checkOne(registry: RegistryClient, image: string, ref: ImageReference | RegistryReferenceError, strict: boolean): Promise<CheckResult> {
  if (ref instanceof RegistryReferenceError) return { image, follows: false, invalidReference: ref.message };
  try {
    const result = await registry.inspect(ref);
    const { problems } = imageMetadata(result.labels, result.exposedPorts);
    return { image, reference: result.reference, digest: result.digest, follows: followsFormat(problems, strict), problems };
  } catch (err) {
    if (!(err instanceof RegistryError)) throw err;
    return { image, follows: false, error: { code: err.code, message: err.message } };
  }
}

async function checkCommand(
  images: readonly string[],
  refs: ReadonlyArray<ImageReference | RegistryReferenceError>,
  config: RegistryConfig,
  strict: boolean,
  json: boolean,
  io: CliIO,
): Promise<number> {
  const registry = await createRegistryClient(config);
  let results: CheckResult[];
  try {
    // A few at a time: a CI job may check many images of one registry.
    const queue = new PQueue({ concurrency: CHECK_CONCURRENCY });
    results = await Promise.all(
      images.map((image, i) => queue.add(() => checkOne(registry, image, refs[i] as ImageReference | RegistryReferenceError, strict))),
    );
  } finally {
    await registry.close();
  }
  const summary = summarise(results);
  if (json) {
    io.stdout.write(`${JSON.stringify({ follows: summary.follow === summary.total, strict, summary, images: results }, null, 2)}\n`);
  } else {
    const text = renderCheckText(results);
    io.stderr.write(text.stderr);
    io.stdout.write(text.stdout);
  }
  if (summary.unreadable > 0) return 2;
  return summary.follow === summary.total ? 0 : 1;
}

export const command: Command = {
  name: 'image',
  summary: 'Read image labels from their registry: `image inspect` shows them, `image check` checks the format',
  usage: 'image inspect IMAGE | image check IMAGE... [options]',
  description: [
    'image inspect IMAGE    reads IMAGE from its registry (tag to digest, the --platform manifest of',
    '                       a multi-platform image, its config) and prints its labels and exposed',
    '                       ports, what maracker derives from them (cpus, mem, disk, HTTP port, health',
    '                       path, title, description, links) and every problem (-o json for programs).',
    'image check IMAGE...   says for each IMAGE whether its labels follow the format of',
    '                       docs/image-metadata.md, with every problem (label, value, rule), for an',
    "                       image repository's CI.",
    '',
    "IMAGE follows Docker's rules: nginx is docker.io/library/nginx:latest; HOST[:PORT]/NAME[:TAG]",
    'or NAME@sha256:... name a registry and a tag or digest. Only localhost, 127.0.0.0/8 and ::1',
    'are reached over plain HTTP unless named with --insecure-registry. Credentials:',
    '--registry-username and --registry-password (or their variables), for one registry, or the',
    '`auths` of a Docker config.json; credential helpers (credsStore, credHelpers) are not run.',
    'Nothing is logged or printed of a credential.',
  ].join('\n'),
  options,
  exitCodes: [
    [0, 'inspect: the image was read; check: every image follows the format (warnings allowed unless --strict)'],
    [1, 'check: an image does not follow the format, or an IMAGE is not a valid reference; invalid usage or configuration'],
    [2, 'an image could not be read from its registry (unreachable, refused, not found, unusable answer); takes precedence over 1'],
  ],
  async run(args, io) {
    const parsed = parseOptions(options, args, io.env);
    const [sub, ...images] = parsed.positionals;
    if (sub !== 'inspect' && sub !== 'check') {
      io.stderr.write(sub === undefined ? `maracker image: missing subcommand\n${USAGE}` : `maracker image: unknown subcommand "${sub}"\n${USAGE}`);
      return 1;
    }
    if (images.length === 0 || (sub === 'inspect' && images.length > 1)) {
      io.stderr.write(`maracker image ${sub}: ${images.length === 0 ? 'no IMAGE given' : 'inspect reads one IMAGE'}\n${USAGE}`);
      return 1;
    }
    const refs = images.map((image) => {
      try {
        return parseImageReference(image);
      } catch (err) {
        if (err instanceof RegistryReferenceError) return err;
        throw err;
      }
    });
    const json = parsed.values.output === 'json';
    const config = buildRegistryConfig(
      parsed.values,
      io.env,
      refs.flatMap((r) => (r instanceof RegistryReferenceError ? [] : [r.registry])),
    );
    if (sub === 'inspect') {
      const ref = refs[0] as ImageReference | RegistryReferenceError;
      if (ref instanceof RegistryReferenceError) {
        io.stderr.write(`maracker image inspect: ${ref.message}\n`);
        return 1;
      }
      return inspectCommand(ref, config, json, io);
    }
    return checkCommand(images, refs, config, parsed.values.strict === true, json, io);
  },
};
