// The seed's incident, in a browser: a page served from an origin the gateway does not allow
// must say so in words, not show a bare failure (close code 1006).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gatewayAndBrowser, openPage, userToken } from '../harness.mjs';

// Only 127.0.0.1 pages are allowed; the same pages reached as http://localhost are not.
const env = gatewayAndBrowser({ config: '[origins]\nallow = ["http://127.0.0.1:*"]\n' });

test('the dashboard on a refused origin names the origin and the setting to change', async () => {
  const origin = `http://localhost:${env.gateway.port}`;
  const page = await openPage(env.browser, `${origin}/`);
  await page.fill('#token-input', userToken({ org: 'org-1' }));
  await page.click('#sign-in');
  await page.waitForSelector('#connection[data-state="failed"]', { timeout: 15000 });
  const text = await page.textContent('#connection');
  assert.ok(text.includes(origin), `the refusal does not name ${origin}: ${text}`);
  assert.match(text, /not allowed/);
  assert.match(text, /FRONTEND_URL|\[origins\]\.allow/);
  const rejected = await env.gateway.metric('voxgate_ws_upgrades_rejected_total', 'reason="origin"');
  assert.ok(rejected >= 1);
  await page.close();
});

test('the test call page on a refused origin says why the call cannot connect', async () => {
  const origin = `http://localhost:${env.gateway.port}`;
  const page = await openPage(env.browser, `${origin}/test-call`);
  await page.fill('#token-input', userToken({ org: 'org-1' }));
  await page.click('#sign-in');
  await page.click('#start-call');
  await page.waitForSelector('#call-state[data-state="failed"]', { timeout: 15000 });
  const text = await page.textContent('#call-message');
  assert.ok(text.includes(origin), `the refusal does not name ${origin}: ${text}`);
  assert.match(text, /not allowed/);
  await page.close();
});

test('the same pages on the allowed origin connect', async () => {
  const page = await openPage(env.browser, `${env.gateway.base}/`);
  await page.fill('#token-input', userToken({ org: 'org-1' }));
  await page.click('#sign-in');
  await page.waitForSelector('#connection[data-state="connected"]', { timeout: 10000 });
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the development token button is absent unless [dev] enabled = true', async () => {
  const page = await openPage(env.browser, `${env.gateway.base}/`);
  await page.waitForLoadState('networkidle');
  assert.equal(await page.isVisible('#dev-token'), false);
  const res = await fetch(`${env.gateway.base}/api/dev/token`, { method: 'POST' });
  assert.equal(res.status, 404);
  await page.close();
});
