// The live calls dashboard: events published through /api/events and Vapi webhooks show up
// live, transcripts stream (partials replaced by finals), history comes from /api/calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEV_CONFIG, Gateway, gatewayAndBrowser, openPage, screenshot, userToken } from '../harness.mjs';

const env = gatewayAndBrowser();

async function signedInDashboard() {
  const page = await openPage(env.browser, `${env.gateway.base}/`);
  await page.click('#dev-token');
  await page.waitForSelector('#connection[data-state="connected"]', { timeout: 10000 });
  return page;
}

test('a published event shows on the dashboard, and the delay is reported', async (t) => {
  const page = await signedInDashboard();
  const started = Date.now();
  await env.gateway.publish('dev-org', { type: 'call_status', vapiCallId: 'call-live-1', status: 'ringing' });
  const call = page.locator('[data-call-id="call-live-1"]');
  await call.waitFor({ timeout: 10000 });
  // Timing is reported, not asserted (docs/benchmarks.md): the issue asks for under a second.
  t.diagnostic(`publish to dashboard: ${Date.now() - started} ms`);
  assert.equal(await call.getAttribute('data-status'), 'ringing');

  await env.gateway.publish('dev-org', { type: 'call_status', vapiCallId: 'call-live-1', status: 'in_progress' });
  await page.waitForSelector('[data-call-id="call-live-1"][data-status="in_progress"]');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('transcripts stream: partial lines are replaced by the final, speakers told apart', async () => {
  const page = await signedInDashboard();
  const id = 'call-transcript-1';
  const line = (speaker, text, is_final) =>
    env.gateway.publish('dev-org', { type: 'transcript', vapiCallId: id, speaker, text, is_final, ts: Date.now() });
  await env.gateway.publish('dev-org', { type: 'call_status', vapiCallId: id, status: 'in_progress' });
  await line('customer', 'I would', false);
  await line('customer', 'I would like to book', false);
  const lines = page.locator(`[data-call-id="${id}"] .line`);
  await page.waitForSelector(`[data-call-id="${id}"] .line:has-text("like to book")`);
  assert.equal(await lines.count(), 1, 'a second partial added a line instead of replacing it');
  await line('customer', 'I would like to book a cleaning.', true);
  await line('agent', 'Sure, which day suits you?', true);
  await page.waitForSelector(`[data-call-id="${id}"] .line[data-speaker="agent"]`);
  assert.equal(await lines.count(), 2);
  const customer = lines.nth(0);
  assert.equal(await customer.getAttribute('data-speaker'), 'customer');
  assert.equal(await customer.getAttribute('data-final'), 'true');
  assert.match(await customer.textContent(), /I would like to book a cleaning\./);
  assert.notEqual(await customer.getAttribute('class'), await lines.nth(1).getAttribute('class'));
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("another org's events never reach the page", async () => {
  const page = await signedInDashboard();
  await env.gateway.publish('org-other', { type: 'call_status', vapiCallId: 'call-foreign', status: 'ringing' });
  await env.gateway.publish('dev-org', { type: 'call_status', vapiCallId: 'call-after-foreign', status: 'ringing' });
  await page.waitForSelector('[data-call-id="call-after-foreign"]');
  assert.equal(await page.locator('[data-call-id="call-foreign"]').count(), 0);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a call finished through Vapi webhooks appears in the history with its transcript', async () => {
  const page = await signedInDashboard();
  const call = { id: 'vapi-call-hist-1', type: 'webCall', assistantId: 'asst-1', metadata: { orgId: 'dev-org' } };
  await env.gateway.webhook({ type: 'status-update', status: 'in-progress', call, timestamp: Date.now() });
  await env.gateway.webhook({ type: 'transcript', role: 'assistant', transcriptType: 'final',
    transcript: 'Thanks for calling the dental office.', call, timestamp: Date.now() });
  await page.waitForSelector('[data-call-id="vapi-call-hist-1"][data-status="in_progress"]');
  await env.gateway.webhook({ type: 'end-of-call-report', endedReason: 'customer-ended-call', call,
    startedAt: '2026-11-26T10:00:00.000Z', endedAt: '2026-11-26T10:01:30.000Z',
    timestamp: Date.now(), artifact: {}, analysis: { summary: 'Booked a cleaning.' } });
  await page.waitForSelector('[data-call-id="vapi-call-hist-1"][data-status="ended"]');

  // The dashboard refreshes its history after a call_ended.
  const row = page.locator('#history tr[data-call-id="vapi-call-hist-1"]');
  await row.waitFor({ timeout: 10000 });
  assert.match(await row.textContent(), /ended/);
  assert.match(await row.textContent(), /customer-ended-call/);
  await row.click();
  await page.waitForSelector('#call-detail .line[data-speaker="agent"]:has-text("dental office")');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a token signed with another secret is refused in words', async () => {
  const page = await openPage(env.browser, `${env.gateway.base}/`);
  await page.fill('#token-input', userToken({ sub: 'mallory', org: 'dev-org', secret: 'not-the-gateway-secret-0123456789' }));
  await page.click('#sign-in');
  await page.waitForSelector('#connection[data-state="failed"]', { timeout: 10000 });
  assert.match(await page.textContent('#connection'), /token/i);
  await page.close();
});

test('an expired token is refused before connecting, saying it expired', async () => {
  const page = await openPage(env.browser, `${env.gateway.base}/`);
  await page.fill('#token-input', userToken({ ttl: -60 }));
  await page.click('#sign-in');
  await page.waitForSelector('#signin-message:has-text("expired")', { timeout: 5000 });
  await page.close();
});

test('after a gateway restart the page reconnects and misses nothing', async () => {
  const page = await signedInDashboard();
  await env.gateway.publish('dev-org', { type: 'call_status', vapiCallId: 'call-before-restart', status: 'ringing' });
  await page.waitForSelector('[data-call-id="call-before-restart"]');

  const { port, dir } = env.gateway;
  await env.gateway.stop({ keepDir: true });
  await page.waitForSelector('#connection[data-state="reconnecting"]', { timeout: 10000 });
  assert.match(await page.textContent('#connection'), /reconnect/i);
  // While nothing listens, the next attempt fails before opening and the page says why.
  await page.waitForSelector('#connection:has-text("reach the gateway")', { timeout: 15000 });
  env.gateway = await Gateway.start({ config: DEV_CONFIG, port, dir });
  env.gateway.ownsDir = true;
  // Published before or after the page is back: `since` recovery or live, it arrives once.
  await env.gateway.publish('dev-org', { type: 'call_status', vapiCallId: 'call-after-restart', status: 'ringing' });
  await page.waitForSelector('[data-call-id="call-after-restart"]', { timeout: 40000 });
  await page.waitForSelector('#connection[data-state="connected"]');
  assert.equal(await page.locator('[data-call-id="call-after-restart"]').count(), 1);
  assert.equal(await page.locator('[data-call-id="call-before-restart"]').count(), 1);
  await page.close();
});

test('a busy dashboard: live calls from webhooks and the backend, history with finished calls', async () => {
  const page = await signedInDashboard();
  const at = (m) => new Date(Date.now() - m * 60000).toISOString();
  const finished = [['vapi-morning-1', 'customer-ended-call', 95], ['vapi-morning-2', 'assistant-ended-call', 212]];
  for (const [id, reason, seconds] of finished) {
    const call = { id, type: 'inboundPhoneCall', assistantId: 'asst-reception', metadata: { orgId: 'dev-org' },
      customer: { number: '+14155550123' } };
    await env.gateway.webhook({ type: 'status-update', status: 'in-progress', call, timestamp: Date.now() });
    await env.gateway.webhook({ type: 'end-of-call-report', endedReason: reason, call, startedAt: at(seconds / 60 + 30),
      endedAt: at(30), timestamp: Date.now(), artifact: {}, analysis: { summary: 'Appointment booked.' } });
  }
  const live = { id: 'vapi-live-reception', type: 'inboundPhoneCall', metadata: { orgId: 'dev-org' } };
  await env.gateway.webhook({ type: 'status-update', status: 'in-progress', call: live, timestamp: Date.now() });
  const say = (role, transcriptType, transcript) =>
    env.gateway.webhook({ type: 'transcript', role, transcriptType, transcript, call: live, timestamp: Date.now() });
  await say('assistant', 'final', 'Good morning, Bright Smile Dental, how can I help?');
  await say('user', 'final', 'Hi, I would like to move my cleaning to Thursday.');
  await say('assistant', 'final', 'Of course. I have 10:30 or 2:15 on Thursday.');
  await say('user', 'partial', 'The 2:15 one');
  await env.gateway.publish('dev-org', { type: 'call_status', vapiCallId: 'vapi-outbound-7', status: 'ringing' });

  await page.waitForSelector('[data-call-id="vapi-live-reception"] .line[data-final="false"]');
  await page.waitForSelector('[data-call-id="vapi-outbound-7"][data-status="ringing"]');
  await page.click('#history-refresh');
  for (const [id] of finished) await page.waitForSelector(`#history tr[data-call-id="${id}"][data-status="ended"]`);
  assert.equal(await page.locator('[data-call-id="vapi-live-reception"] .line').count(), 4);
  await screenshot(page, 'dashboard.png');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('markup in event fields is shown as text, never run', async () => {
  const page = await signedInDashboard();
  const id = 'call-<b>bold</b>';
  const payload = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';
  await env.gateway.publish('dev-org', { type: 'call_status', vapiCallId: id, status: 'in_progress' });
  await env.gateway.publish('dev-org', { type: 'transcript', vapiCallId: id, speaker: 'customer', text: payload, is_final: true, ts: Date.now() });
  await env.gateway.publish('dev-org', { type: 'recording_ready', vapiCallId: id, recordingUrl: 'javascript:window.pwned=3' });
  const card = page.locator(`[data-call-id="${id}"]`);
  await card.locator('.line').waitFor();
  assert.equal(await card.locator('.line .text').textContent(), payload);
  assert.equal(await page.locator('img[src="x"], #live-calls script, a[href^="javascript:"]').count(), 0);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.deepEqual(page.problems, []);
  await page.close();
});
