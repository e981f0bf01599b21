// How long an event published through POST /api/events takes to show on the dashboard in
// Chromium: from just before the POST to the moment its element is in the page's DOM.
// Uses the browser tests' harness: VOXGATE_BIN names the binary. EVENTS (default 200) events are
// published one at a time, GAP_MS (default 50) apart, each a new call card.
import { Gateway, launchBrowser, openPage } from '../../tests/browser/harness.mjs';

const events = Number(process.env.EVENTS ?? 200);
const gapMs = Number(process.env.GAP_MS ?? 50);
const DEV = '[dev]\nenabled = true\n[origins]\nallow = ["http://127.0.0.1:*"]\n';

const gateway = await Gateway.start({ config: DEV });
const browser = await launchBrowser({ microphone: false });
try {
  const page = await openPage(browser, `${gateway.base}/`);
  await page.click('#dev-token');
  await page.waitForSelector('#connection[data-state="connected"]', { timeout: 10000 });
  // The page notes when each card appears; both clocks are this machine's.
  await page.evaluate(() => {
    window.seenAt = {};
    new MutationObserver((records) => {
      const now = Date.now();
      for (const r of records)
        for (const n of r.addedNodes)
          if (n.dataset?.callId && !(n.dataset.callId in window.seenAt)) window.seenAt[n.dataset.callId] = now;
    }).observe(document.getElementById('live-calls'), { childList: true });
  });
  const sentAt = {};
  for (let i = 0; i < events; i++) {
    const id = `bench-${i}`;
    sentAt[id] = Date.now();
    await gateway.publish('dev-org', { type: 'call_status', vapiCallId: id, status: 'ringing' });
    await new Promise((r) => setTimeout(r, gapMs));
  }
  await page.waitForFunction((n) => Object.keys(window.seenAt).length >= n, events, { timeout: 30000 });
  const seenAt = await page.evaluate(() => window.seenAt);
  const delays = Object.keys(sentAt).map((id) => seenAt[id] - sentAt[id]).sort((a, b) => a - b);
  const at = (q) => delays[Math.min(delays.length - 1, Math.floor(q * delays.length))];
  console.log(`events ${delays.length}, publish -> dashboard DOM: p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, ` +
    `p99 ${at(0.99)} ms, max ${delays[delays.length - 1]} ms, under 1 s: ${delays.filter((d) => d < 1000).length}/${delays.length}`);
  if (page.problems.length) console.log(`page problems: ${page.problems.join('; ')}`);
} finally {
  await browser.close();
  await gateway.stop();
}
