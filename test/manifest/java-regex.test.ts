import { describe, expect, it } from 'vitest';
import { javaRegexCompiles } from '../../src/manifest/java-regex.js';
import { JAVA_COMPILES, JAVA_REFUSES } from '../fixtures/java-regex.js';

describe("the validator's reading of Java regular expressions (LIKE/UNLIKE constraints)", () => {
  for (const pattern of JAVA_COMPILES) it(`compiles ${JSON.stringify(pattern)}`, () => expect(javaRegexCompiles(pattern)).toBe(true));
  for (const pattern of JAVA_REFUSES) it(`refuses ${JSON.stringify(pattern)}`, () => expect(javaRegexCompiles(pattern)).toBe(false));
});
