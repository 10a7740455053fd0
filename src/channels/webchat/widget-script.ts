/**
 * The embeddable widget: `<script src="https://hub.example/chat/widget.js" data-inbox="…" async></script>`
 * adds a chat button that opens `/chat?embed=1` in an iframe. Plain ES5, no
 * dependencies; everything the visitor does happens inside the iframe (our origin).
 */
export function widgetScript(publicUrl: string): string {
  return `(function () {
  var me = document.currentScript;
  var base = ${JSON.stringify(publicUrl)};
  try { base = new URL(me.src).origin; } catch (e) {}
  var inbox = me && me.getAttribute('data-inbox');
  var color = (me && me.getAttribute('data-color')) || '#2563eb';
  var label = (me && me.getAttribute('data-label')) || 'Chat';
  var src = base + '/chat?embed=1' + (inbox ? '&inbox=' + encodeURIComponent(inbox) : '');
  var open = false, frame;
  var btn = document.createElement('button');
  btn.type = 'button';
  btn.setAttribute('aria-label', label);
  btn.textContent = label;
  btn.style.cssText = 'position:fixed;right:20px;bottom:20px;z-index:2147483646;border:0;border-radius:999px;padding:14px 20px;' +
    'background:' + color + ';color:#fff;font:600 15px system-ui,sans-serif;box-shadow:0 6px 24px rgba(0,0,0,.2);cursor:pointer';
  btn.onclick = function () {
    open = !open;
    if (!frame) {
      frame = document.createElement('iframe');
      frame.src = src;
      frame.title = label;
      frame.style.cssText = 'position:fixed;right:20px;bottom:80px;z-index:2147483647;width:370px;height:560px;max-height:calc(100vh - 100px);' +
        'max-width:calc(100vw - 40px);border:0;border-radius:14px;box-shadow:0 12px 40px rgba(0,0,0,.25);background:#fff';
      document.body.appendChild(frame);
    }
    frame.style.display = open ? 'block' : 'none';
  };
  (document.body ? Promise.resolve() : new Promise(function (r) { document.addEventListener('DOMContentLoaded', r); }))
    .then(function () { document.body.appendChild(btn); });
})();
`;
}
