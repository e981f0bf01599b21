// Token refresh on a live connection: a short-lived development token is replaced before it
// expires, and the subscription outlives the first token without a reconnect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gatewayAndBrowser, openPage, userToken } from '../harness.mjs';

const env = gatewayAndBrowser({
  config: '[dev]\nenabled = true\ntoken_ttl = "10s"\n[origins]\nallow = ["http://127.0.0.1:*"]\n',
});

test('the dashboard refreshes its token and keeps its connection past the first expiry', async () => {
  const page = await openPage(env.browser, `${env.gateway.base}/`);
  await page.click('#dev-token');
  await page.waitForSelector('#connection[data-state="connected"]', { timeout: 10000 });
  const first = await page.evaluate(() => sessionStorage.getItem('voxgate.token'));
  const firstExp = JSON.parse(Buffer.from(first.split('.')[1], 'base64url')).exp;

  await page.waitForFunction((t) => sessionStorage.getItem('voxgate.token') !== t, first, { timeout: 30000 });
  // Past the first token's exp: without the refresh the gateway would have closed 1008 by now.
  // The gateway sweeps expiries every second; 3 s past exp leaves no doubt.
  await page.waitForFunction((exp) => Date.now() / 1000 > exp + 3, firstExp, { timeout: 30000, polling: 500 });
  await env.gateway.publish('dev-org', { type: 'call_status', vapiCallId: 'call-after-refresh', status: 'ringing' });
  await page.waitForSelector('[data-call-id="call-after-refresh"]', { timeout: 10000 });
  assert.equal(await page.getAttribute('#connection', 'data-state'), 'connected');
  const expiredCloses = await env.gateway.metric('voxgate_ws_closes_total', 'route="/ws/live-calls",code="1008"');
  assert.equal(expiredCloses, 0, 'the gateway closed a live-calls connection 1008 (token expired?)');
  const upgrades = await env.gateway.metric('voxgate_ws_upgrades_accepted_total', 'route="/ws/live-calls"');
  assert.equal(upgrades, 1, 'the page reconnected instead of refreshing');
  assert.deepEqual(page.problems, []);
  await page.close();
});

// The other side of the same clock: a pasted token cannot be renewed by the page, so the
// gateway ends the subscription at its exp and the page says what to do.
test('a pasted token that runs out is reported as expired, with what to do', async () => {
  const page = await openPage(env.browser, `${env.gateway.base}/`);
  await page.fill('#token-input', userToken({ sub: 'user-short', org: 'dev-org', ttl: 8 }));
  await page.click('#sign-in');
  await page.waitForSelector('#connection[data-state="connected"]', { timeout: 10000 });
  await page.waitForSelector('#connection[data-state="failed"]', { timeout: 30000 });
  assert.match(await page.textContent('#connection'), /expired/i);
  assert.match(await page.textContent('#connection'), /sign in/i);
  await page.close();
});
