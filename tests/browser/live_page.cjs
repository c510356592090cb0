// Drives the `stemkit live` control page in Debian's chromium, as a performer would:
// drags the first stem's fader down with the mouse, then presses the second stem's mute.
//
//   node live_page.cjs URL
//
// Prints one JSON line: the fader's final value in dB and the meter frames per second. Chromium comes from $CHROMIUM or
// /usr/bin/chromium; playwright-core from this folder's node_modules (npm install here).
"use strict";
const { chromium } = require("playwright-core");

async function main() {
  const url = process.argv[2];
  if (!url) throw new Error("usage: node live_page.cjs URL");
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu"],
    headless: true,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on("pageerror", (e) => { throw e; });
    await page.goto(url);
    await page.waitForSelector("#stem-0-gain");
    await page.waitForFunction(() => document.getElementById("link").textContent === "connected");
    // The meters say the transport runs before anything is touched.
    await page.waitForFunction(() => document.getElementById("pos").textContent.includes("playing"), null, { timeout: 10000 });
    // Meters arrive at 20 frames a second or more.
    const f0 = await page.evaluate(() => window.meterFrames);
    await page.waitForTimeout(1000);
    const meterFps = (await page.evaluate(() => window.meterFrames)) - f0;
    // The peak meters move: the first stem's meter canvas has been drawn on.
    const drawn = await page.evaluate(() => {
      const c = document.getElementById("stem-0-meter");
      return c.getContext("2d").getImageData(0, 0, c.width, c.height).data.some((v, i) => i % 4 === 3 && v > 0);
    });
    if (!drawn) throw new Error("the first stem's meter is blank");

    // Drag the fader thumb from 0 dB to about halfway down its travel.
    const fader = page.locator("#stem-0-gain");
    const box = await fader.boundingBox();
    const frac = (db) => (db + 60) / 72; // the page's fader runs -60 .. +12 dB, top is max
    const yAt = (db) => box.y + box.height * (1 - frac(db));
    const x = box.x + box.width / 2;
    await page.mouse.move(x, yAt(0));
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) {
      await page.mouse.move(x, yAt(0) + (yAt(-24) - yAt(0)) * i / 10);
      await page.waitForTimeout(15);
    }
    await page.mouse.up();
    const value = Number(await fader.inputValue());
    if (!(value < -6)) throw new Error(`the fader did not move down: ${value}`);
    // The server echoes the state back: the readout follows.
    await page.waitForFunction((v) => document.getElementById("stem-0-db").textContent === v.toFixed(1), value);
    await page.waitForTimeout(600);

    await page.click("#stem-1-mute");
    await page.waitForFunction(() => document.getElementById("stem-1-mute").classList.contains("on"));
    await page.waitForTimeout(300);
    console.log(JSON.stringify({ fader_db: value, meter_fps: meterFps }));
  } finally {
    await browser.close();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
