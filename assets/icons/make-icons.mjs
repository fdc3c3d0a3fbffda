// Renders icon.svg to the PNG, ICO and ICNS files the packagers want (run once; outputs are committed):
//   node assets/icons/make-icons.mjs   (needs Debian's chromium)
import { readFileSync, writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const dir = new URL('.', import.meta.url);
const svg = readFileSync(new URL('icon.svg', dir), 'utf8');
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage();
const render = async (size) => {
  await page.setViewportSize({ width: size, height: size });
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg.replace('width="1024" height="1024"', `width="${size}" height="${size}"`)}</body></html>`);
  return page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
};
const png = {};
for (const size of [16, 32, 64, 128, 256, 512, 1024]) png[size] = await render(size);
await browser.close();

writeFileSync(new URL('icon.png', dir), png[512]);

// ICO: a directory of PNG images (Windows Vista+ reads PNG entries).
const icoSizes = [16, 32, 64, 128, 256];
const header = Buffer.alloc(6 + 16 * icoSizes.length);
header.writeUInt16LE(0, 0);
header.writeUInt16LE(1, 2);
header.writeUInt16LE(icoSizes.length, 4);
let offset = header.length;
icoSizes.forEach((size, i) => {
  const e = 6 + 16 * i;
  header.writeUInt8(size === 256 ? 0 : size, e);
  header.writeUInt8(size === 256 ? 0 : size, e + 1);
  header.writeUInt16LE(1, e + 4);
  header.writeUInt16LE(32, e + 6);
  header.writeUInt32LE(png[size].length, e + 8);
  header.writeUInt32LE(offset, e + 12);
  offset += png[size].length;
});
writeFileSync(new URL('icon.ico', dir), Buffer.concat([header, ...icoSizes.map((s) => png[s])]));

// ICNS: typed PNG chunks (ic07 128, ic08 256, ic09 512, ic10 1024).
const chunks = [['ic07', 128], ['ic08', 256], ['ic09', 512], ['ic10', 1024]].map(([type, size]) => {
  const head = Buffer.alloc(8);
  head.write(type, 0, 'ascii');
  head.writeUInt32BE(8 + png[size].length, 4);
  return Buffer.concat([head, png[size]]);
});
const body = Buffer.concat(chunks);
const icnsHead = Buffer.alloc(8);
icnsHead.write('icns', 0, 'ascii');
icnsHead.writeUInt32BE(8 + body.length, 4);
writeFileSync(new URL('icon.icns', dir), Buffer.concat([icnsHead, body]));
console.log('icons written');
