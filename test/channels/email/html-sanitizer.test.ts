import { describe, expect, it } from 'vitest';
import { sanitizeEmailHtml } from '../../../src/core/messages/sanitize-html.js';

describe('sanitizeEmailHtml', () => {
  it.each([
    ['<script>alert(1)</script><p>x</p>', '<p>x</p>'],
    ['<style>p{}</style><p>x</p>', '<p>x</p>'],
    ['<p onclick="a()" onmouseover="b()">x</p>', '<p>x</p>'],
    ['<a href="javascript:alert(1)">x</a>', '<a target="_blank" rel="noopener noreferrer nofollow">x</a>'],
    ['<a href="JaVaScRiPt:alert(1)">x</a>', '<a target="_blank" rel="noopener noreferrer nofollow">x</a>'],
    ['<a href="https://ok.example/p?a=1&amp;b=2" target="_self">x</a>', '<a href="https://ok.example/p?a=1&amp;b=2" target="_blank" rel="noopener noreferrer nofollow">x</a>'],
    ['<a href="mailto:a@b.example">m</a>', '<a href="mailto:a@b.example" target="_blank" rel="noopener noreferrer nofollow">m</a>'],
    ['<img src="cid:logo@x">', '<img src="cid:logo@x" />'],
    ['<img src="data:image/png;base64,AAAA">', '<img src="data:image/png;base64,AAAA" />'],
    // Remote images are blocked: the address waits in data-remote-src for the console's "show images".
    ['<img src="https://cdn.example/a.png" onerror="x()">', '<img data-remote-src="https://cdn.example/a.png" />'],
    ['<img data-remote-src="javascript:alert(1)">', ''],
    ['<img data-remote-src="https://cdn.example/a.png">', '<img data-remote-src="https://cdn.example/a.png" />'],
    ['<img src="http://cdn.example/a.png">', ''],
    ['<img src="//cdn.example/a.png">', ''],
    ['<img src="javascript:alert(1)">', ''],
    ['<iframe src="https://x.example"></iframe><object data="x"></object>', ''],
    ['<form action="https://x.example"><input name="p"><button>go</button></form>', 'go'],
    ['<p style="color:red;position:fixed;background-image:url(javascript:x)">x</p>', '<p style="color:red">x</p>'],
    ['<div class="gmail_quote evil-btn">q</div>', '<div class="gmail_quote">q</div>'],
    ['<div id="app">x</div>', '<div>x</div>'],
    ['<table border="1"><tr><td colspan="2" onclick="x()">c</td></tr></table>', '<table border="1"><tr><td colspan="2">c</td></tr></table>'],
    ['<b>b</b><i>i</i><u>u</u><s>s</s><br><ul><li>l</li></ul><blockquote type="cite">q</blockquote>', '<b>b</b><i>i</i><u>u</u><s>s</s><br /><ul><li>l</li></ul><blockquote type="cite">q</blockquote>'],
    ['<svg><script>alert(1)</script></svg><math><mi>x</mi></math>', 'x'],
    ['<meta http-equiv="refresh" content="0;url=https://evil.example"><base href="https://evil.example/">', ''],
  ])('%s', (input, expected) => {
    expect(sanitizeEmailHtml(input)).toBe(expected);
  });
});
