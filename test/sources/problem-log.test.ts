import { describe, expect, it } from 'vitest';
import { ProblemLog } from '../../src/sources/problem-log.js';
import type { Problem } from '../../src/model/problem.js';
import { recordingLogger } from '../helpers/log-lines.js';

const typo: Problem = { code: 'schema', message: 'unknown field "instaces"', location: { file: 'web.yaml', line: 10, column: 3 } };
const mem: Problem = { code: 'schema', message: 'spec.mem: must be >= 32', location: { file: 'web.yaml', line: 9, column: 8 } };

describe('ProblemLog', () => {
  it('logs an invalid file once, with every problem, again only when they change, and when it is fixed', () => {
    const log = recordingLogger();
    const problems = new ProblemLog('manifest', log.logger);
    problems.update(
      new Map([
        ['web.yaml', [mem, typo]],
        ['ok.yaml', []],
      ]),
    );
    problems.update(
      new Map([
        ['web.yaml', [mem, typo]],
        ['ok.yaml', []],
      ]),
    );
    problems.update(new Map([['web.yaml', [typo]]]));
    problems.update(new Map([['web.yaml', []]]));
    expect(log.lines().map((l) => [l.msg, l.problems])).toEqual([
      [
        'manifest web.yaml is invalid (2 problems): its apps are left as they are',
        ['web.yaml:9:8: spec.mem: must be >= 32', 'web.yaml:10:3: unknown field "instaces"'],
      ],
      ['manifest web.yaml is invalid (1 problem): its apps are left as they are', ['web.yaml:10:3: unknown field "instaces"']],
      ['manifest web.yaml is valid again', undefined],
    ]);
  });
});
