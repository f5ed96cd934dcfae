import { describe, expect, it } from 'vitest';
import { attributionOf, badAttributionHeader } from './attribution.js';

describe('attribution headers', () => {
  it('cuts over-long values to their limit without splitting a surrogate pair', () => {
    const emoji = '\u{1F600}'; // two UTF-16 units
    const agent = 'a'.repeat(199) + emoji; // the pair straddles the 200-unit limit
    const a = attributionOf({ 'x-tollgate-agent': agent, 'x-tollgate-project': 'p'.repeat(300) }, {});
    expect(a.agent).toBe('a'.repeat(199));
    expect(a.project).toBe('p'.repeat(200));
    expect(attributionOf({ 'x-tollgate-agent': 'a'.repeat(198) + emoji }, {}).agent).toBe('a'.repeat(198) + emoji);
  });

  it('names the first header a usage record could not hold as sent', () => {
    expect(badAttributionHeader({ 'x-tollgate-agent': 'bot', 'x-tollgate-project': 'p' })).toBeNull();
    expect(badAttributionHeader({ 'x-tollgate-conversation': 'a\u0000b' })).toMatchObject({
      status: 400,
      param: 'x-tollgate-conversation',
    });
    expect(badAttributionHeader({ 'x-tollgate-project': 'x\ud800' })).toMatchObject({ param: 'x-tollgate-project' });
    expect(badAttributionHeader({ 'x-tollgate-agent': '\u{1F600}' })).toBeNull();
  });
});
