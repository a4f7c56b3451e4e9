import { describe, expect, it } from 'vitest';
import { PLATFORM_FIELDS } from './limits';
import { labelProblem } from './problems';

describe('labelProblem', () => {
  const google = PLATFORM_FIELDS.google!;

  it('names a copy field by its label, and a line of a list by its number', () => {
    const long = 'x'.repeat(61);
    expect(labelProblem(`fields.headlines.0: '${long}' is 61 characters; the limit is 30`, google)).toBe(
      `Headline 1: '${long}' is 61 characters; the limit is 30`,
    );
    expect(labelProblem('fields.descriptions.3: duplicates description 1', google)).toBe(
      'Description 4: duplicates description 1',
    );
    expect(labelProblem('fields.headlines: needs 3-15 lines', google)).toBe('Headlines: needs 3-15 lines');
    expect(labelProblem("fields.ad_text: 'Hi' is 2 characters", PLATFORM_FIELDS.tiktok!)).toBe(
      "Ad text: 'Hi' is 2 characters",
    );
  });

  it('leaves other problems as they are', () => {
    expect(labelProblem('fields.unknown: not a field', google)).toBe('fields.unknown: not a field');
    expect(labelProblem('index: headlines has no line 9', google)).toBe('index: headlines has no line 9');
  });
});
