// whatsapp-web.js depends on puppeteer; it must never download a browser at
// install time (no internet on CI, and we drive Debian's chromium instead).
module.exports = { skipDownload: true };
