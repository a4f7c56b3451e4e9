/**
 * The copy fields of each platform and their length limits (services/ai-copy rules/platforms.py LIMITS).
 * Meta's primary text limit is the *recommended* length (longer is allowed, with a warning).
 */
import { copyLength, type Counting } from './charCount';

export interface FieldRule {
  field: string;
  label: string;
  /** One value, or a list of lines (Google headlines and descriptions). */
  list: boolean;
  max: number;
  min: number;
  counting: Counting;
  /** Over `max` is a warning (recommended length), not an error. */
  soft?: boolean;
  optional?: boolean;
  /** How many lines a list field takes (Google: 3–15 headlines, 2–4 descriptions). */
  lines?: readonly [number, number];
}

const WIDE: Counting = 'wide_as_two';
const POINTS: Counting = 'code_points';

export const PLATFORM_FIELDS: Record<string, readonly FieldRule[]> = {
  google: [
    { field: 'headlines', label: 'Headline', list: true, max: 30, min: 1, counting: WIDE, lines: [3, 15] },
    { field: 'descriptions', label: 'Description', list: true, max: 90, min: 1, counting: WIDE, lines: [2, 4] },
    { field: 'path1', label: 'Path 1', list: false, max: 15, min: 1, counting: WIDE, optional: true },
    { field: 'path2', label: 'Path 2', list: false, max: 15, min: 1, counting: WIDE, optional: true },
  ],
  meta: [
    { field: 'primary_text', label: 'Primary text', list: false, max: 125, min: 1, counting: POINTS, soft: true },
    { field: 'headline', label: 'Headline', list: false, max: 40, min: 1, counting: POINTS },
    { field: 'description', label: 'Description', list: false, max: 30, min: 1, counting: POINTS },
  ],
  tiktok: [{ field: 'ad_text', label: 'Ad text', list: false, max: 100, min: 12, counting: WIDE }],
};

export type LengthState = 'ok' | 'over' | 'under' | 'soft-over';

export interface Measure {
  length: number;
  state: LengthState;
}

/** The length of a line against its rule: over the limit, under the minimum, over a recommendation, or fine. */
export function measure(rule: Pick<FieldRule, 'max' | 'min' | 'counting' | 'soft'>, text: string): Measure {
  const length = copyLength(text, rule.counting);
  let state: LengthState = 'ok';
  if (length > rule.max) state = rule.soft ? 'soft-over' : 'over';
  else if (length > 0 && length < rule.min) state = 'under';
  return { length, state };
}

/** "28 / 30", "12–100" style limit text for a counter. */
export function limitText(rule: Pick<FieldRule, 'max' | 'min' | 'soft'>): string {
  if (rule.min > 1) return `${rule.min}–${rule.max}`;
  return rule.soft ? `${rule.max} recommended` : String(rule.max);
}
