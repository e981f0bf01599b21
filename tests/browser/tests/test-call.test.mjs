// The browser test call with the echo agent: microphone audio (an espeak-ng recording) goes
// through voxgate and comes back, byte for byte as counted on both sides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gatewayAndBrowser, launchBrowser, openPage, screenshot, userToken } from '../harness.mjs';

const env = gatewayAndBrowser();

const audio = (direction) =>
  env.gateway.metric('voxgate_web_voice_audio_bytes_total', `direction="${direction}"`);
// The test call page, signed in with a development token, with an echo call live.
async function liveEchoCall() {
  const page = await openPage(env.browser, `${env.gateway.base}/test-call`);
  await page.click('#dev-token');
  await page.click('#start-call');
  await page.waitForSelector('#call-state[data-state="live"]', { timeout: 15000 });
  return page;
}

const bytesOn = async (page, id) => Number(await page.getAttribute(id, 'data-bytes'));

test('an echo test call relays microphone audio both ways and shows its transcript', async () => {
  const sentBefore = await audio('to_provider');
  const receivedBefore = await audio('to_browser');
  const page = await liveEchoCall();

  // The echo agent speaks a summary every 3 s of audio it heard: it names the level, so a
  // silent capture path (zeros) would show as -inf/-90 dBFS instead of the recording's speech.
  const summary = page.locator('#transcript .line[data-speaker="agent"][data-final="true"]').first();
  await summary.waitFor({ timeout: 20000 });
  const said = await summary.textContent();
  const level = Number(/average level of (-?[\d.]+) dBFS/.exec(said)?.[1]);
  assert.ok(level > -50, `the agent heard near silence: ${said}`);
  assert.ok((await bytesOn(page, '#bytes-received')) > 3 * 32000, 'under 3 s of audio came back');
  // The level meter follows the microphone, and the agent's audio reaches the playback worklet's
  // jitter buffer (it reports what it holds), not only the socket.
  await page.waitForFunction(() => Number(document.getElementById('mic-level').dataset.rms) > 0.01);
  await page.waitForFunction(() => Number(document.getElementById('buffered-ms').dataset.ms) > 0);
  await screenshot(page, 'test-call.png');

  await page.click('#end-call');
  await page.waitForSelector('#call-state[data-state="ended"]', { timeout: 10000 });
  const message = await page.textContent('#call-message');
  assert.match(message, /ended/i);

  const pageSent = await bytesOn(page, '#bytes-sent');
  const pageReceived = await bytesOn(page, '#bytes-received');
  const serverSent = (await audio('to_provider')) - sentBefore;
  const serverReceived = (await audio('to_browser')) - receivedBefore;
  assert.equal(serverSent, pageSent, 'voxgate relayed a different number of bytes than the page sent');
  assert.equal(serverReceived, pageReceived, 'the page received a different number of bytes than voxgate sent');
  // The echo agent plays back exactly what it got.
  assert.equal(pageReceived, pageSent);
  assert.equal(pageSent % 640, 0, 'frames are 20 ms of 16 kHz PCM16 (640 bytes)');
  const frames = Number(await page.textContent('#frames-sent'));
  assert.equal(frames * 640, pageSent);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the finished test call is in the dashboard history with its transcript', async () => {
  const page = await liveEchoCall();
  await page.locator('#transcript .line[data-speaker="agent"][data-final="true"]').first().waitFor({ timeout: 20000 });
  const trackingId = (await page.textContent('#tracking-id')).trim();
  await page.click('#end-call');
  await page.waitForSelector('#call-state[data-state="ended"]');

  // The same browser session: the dashboard reuses the token of the test call page.
  await page.goto(`${env.gateway.base}/`);
  const row = page.locator(`#history tr[data-tracking-id="${trackingId}"]`);
  await row.waitFor({ timeout: 10000 });
  assert.match(await row.textContent(), /ended/);
  await row.click();
  await page.locator('#call-detail .line[data-speaker="agent"]').first().waitFor({ timeout: 10000 });
  assert.match(await page.textContent('#call-detail'), /I heard/);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('ending the call through the API closes the page with the reason in words', async () => {
  const page = await liveEchoCall();
  const trackingId = (await page.textContent('#tracking-id')).trim();
  const token = await page.evaluate(() => sessionStorage.getItem('voxgate.token'));
  const res = await fetch(`${env.gateway.base}/api/web-voice/${trackingId}/end`, {
    method: 'POST', headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  await page.waitForSelector('#call-state[data-state="ended"]', { timeout: 10000 });
  assert.match(await page.textContent('#call-message'), /ended/i);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('every close reason of the bridge reads as a distinct sentence', async () => {
  const page = await openPage(env.browser, `${env.gateway.base}/test-call`);
  const closes = [
    [1000, 'Session ended'], [1000, 'Vapi connection closed'], [1008, 'New client attached'],
    [1008, 'Unauthorized: no auth message'], [1008, 'Unauthorized: token expired'],
    [1008, 'Session not found or unauthorized'], [1008, 'Invalid trackingId'],
    [1008, 'Too many connections for this user'], [1008, 'Too many subscribe attempts'],
    [1009, ''], [1001, 'Going Away'], [1011, ''], [1006, ''],
  ];
  const sentences = await page.evaluate(async (list) => {
    const { explainClose } = await import('/client.js');
    return list.map(([code, reason]) => {
      const e = explainClose(code, reason, 'bridge');
      return typeof e === 'string' ? e : e.message;
    });
  }, closes);
  for (const [i, s] of sentences.entries()) {
    assert.ok(typeof s === 'string' && s.length > 8, `close ${closes[i]} gives "${s}"`);
    assert.ok(!/undefined|\[object/.test(s), `close ${closes[i]} gives "${s}"`);
  }
  assert.equal(new Set(sentences).size, sentences.length, `some reasons share a sentence:\n${sentences.join('\n')}`);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a denied microphone says how to allow it and starts no call', async () => {
  const denied = await launchBrowser({ microphone: false });
  try {
    const starts = () => env.gateway.metric('voxgate_http_requests_total', 'route="/api/web-voice/start",status="200"');
    const before = await starts();
    const page = await openPage(denied, `${env.gateway.base}/test-call`);
    await page.click('#dev-token');
    await page.click('#start-call');
    await page.waitForSelector('#call-state[data-state="failed"]', { timeout: 10000 });
    assert.match(await page.textContent('#call-message'), /microphone/i);
    assert.equal(await starts(), before, 'a call was started without a microphone');
    assert.deepEqual(page.problems, []);
  } finally {
    await denied.close();
  }
});

test('a pasted token works on the test call page as well', async () => {
  const page = await openPage(env.browser, `${env.gateway.base}/test-call`);
  await page.fill('#token-input', userToken({ sub: 'pasted-user', org: 'org-pasted' }));
  await page.click('#sign-in');
  await page.waitForSelector('#user:has-text("pasted-user")');
  assert.deepEqual(page.problems, []);
  await page.close();
});
