import { describe, expect, it } from 'vitest';
import { copyLength, isWide } from './charCount';
import { limitText, measure, PLATFORM_FIELDS } from './limits';

describe('copyLength', () => {
  it('counts Latin text as code points either way', () => {
    expect(copyLength('Fresh meals, delivered', 'wide_as_two')).toBe(22);
    expect(copyLength('Fresh meals, delivered', 'code_points')).toBe(22);
    expect(copyLength('', 'wide_as_two')).toBe(0);
  });

  it('counts East Asian wide and fullwidth characters as 2 for Google and TikTok', () => {
    expect(copyLength('日本語', 'wide_as_two')).toBe(6); // CJK ideographs
    expect(copyLength('カタカナ', 'wide_as_two')).toBe(8); // katakana
    expect(copyLength('한국어', 'wide_as_two')).toBe(6); // hangul
    expect(copyLength('ＡＢＣ', 'wide_as_two')).toBe(6); // fullwidth Latin
    expect(copyLength('送料無料 free', 'wide_as_two')).toBe(13);
    expect(copyLength('𠮷', 'wide_as_two')).toBe(2); // astral ideograph: one code point, not two UTF-16 units
    expect(copyLength('ｶﾀｶﾅ', 'wide_as_two')).toBe(4); // halfwidth katakana stays 1
  });

  it('counts code points for Meta, wide or not', () => {
    expect(copyLength('日本語', 'code_points')).toBe(3);
    expect(copyLength('𠮷', 'code_points')).toBe(1);
  });

  it('normalises to NFC first, so a decomposed accent counts once', () => {
    const decomposed = 'Cafe\u0301';
    expect(decomposed.length).toBe(5);
    expect(copyLength(decomposed, 'code_points')).toBe(4);
    expect(copyLength(decomposed, 'wide_as_two')).toBe(4);
  });

  it('knows the wide ranges at their edges', () => {
    expect(isWide(0x4e00)).toBe(true);
    expect(isWide(0x3000)).toBe(true); // ideographic space (F)
    expect(isWide(0xff01)).toBe(true);
    expect(isWide(0xff61)).toBe(false); // halfwidth punctuation
    expect(isWide(0x41)).toBe(false);
    expect(isWide(0x1f600)).toBe(true); // emoji presentation
    expect(isWide(0x20000)).toBe(true);
  });
});

describe('measure', () => {
  const rule = (platform: string, field: string) => PLATFORM_FIELDS[platform]!.find((r) => r.field === field)!;

  it('flags Google headlines over 30 (wide as 2)', () => {
    const headline = rule('google', 'headlines');
    expect(measure(headline, 'a'.repeat(30))).toEqual({ length: 30, state: 'ok' });
    expect(measure(headline, 'a'.repeat(31))).toEqual({ length: 31, state: 'over' });
    expect(measure(headline, '日'.repeat(15))).toEqual({ length: 30, state: 'ok' });
    expect(measure(headline, '日'.repeat(16))).toEqual({ length: 32, state: 'over' });
  });

  it('knows every platform limit', () => {
    expect(rule('google', 'descriptions').max).toBe(90);
    expect(rule('google', 'path1').max).toBe(15);
    expect(rule('meta', 'headline').max).toBe(40);
    expect(rule('meta', 'description').max).toBe(30);
    expect(rule('meta', 'primary_text').max).toBe(125);
    expect(rule('tiktok', 'ad_text')).toMatchObject({ min: 12, max: 100 });
  });

  it("treats Meta's primary text limit as a recommendation and counts code points there", () => {
    const primary = rule('meta', 'primary_text');
    expect(measure(primary, '日'.repeat(125)).state).toBe('ok');
    expect(measure(primary, 'a'.repeat(126)).state).toBe('soft-over');
    expect(limitText(primary)).toBe('125 recommended');
  });

  it('flags TikTok text shorter than 12 or longer than 100', () => {
    const adText = rule('tiktok', 'ad_text');
    expect(measure(adText, 'Too short').state).toBe('under');
    expect(measure(adText, 'Long enough now').state).toBe('ok');
    expect(measure(adText, 'あ'.repeat(51)).state).toBe('over');
    expect(limitText(adText)).toBe('12–100');
  });
});
