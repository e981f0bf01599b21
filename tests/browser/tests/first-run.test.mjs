// The README's first command as a new user meets it: scripts/serve.sh on the embedded defaults,
// the page it points at, the development token, a test call with the echo agent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Gateway, launchBrowser, openPage } from '../harness.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

test('scripts/serve.sh gives a page where the development token makes a test call', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'voxgate-first-run-'));
  const localConfig = join(dir, 'voxgate.local.toml');
  // The repository's own voxgate.local.toml and voxgate.db stay untouched.
  const gateway = await Gateway.launch(new Gateway(), 'bash', ['scripts/serve.sh', '--listen', '127.0.0.1:0'],
    { cwd: repo, env: { VOXGATE_LOCAL_CONFIG: localConfig, VOXGATE_DB: join(dir, 'voxgate.db') } });
  const browser = await launchBrowser();
  try {
    assert.ok(existsSync(localConfig), 'serve.sh did not write its local config');
    assert.match(readFileSync(localConfig, 'utf8'), /\[dev\]\s*\nenabled = true/);
    assert.ok(gateway.logs.some((l) => l.raw?.includes('Use a development token')), 'serve.sh does not say how to sign in');

    const page = await openPage(browser, `${gateway.base}/`);
    await page.click('#dev-token');
    await page.waitForSelector('#connection[data-state="connected"]', { timeout: 10000 });
    await page.locator('a[href="/test-call"]').first().click();
    await page.click('#start-call');
    await page.waitForSelector('#call-state[data-state="live"]', { timeout: 15000 });
    await page.locator('#transcript .line[data-speaker="agent"][data-final="true"]').first().waitFor({ timeout: 20000 });
    await page.click('#end-call');
    await page.waitForSelector('#call-state[data-state="ended"]', { timeout: 10000 });
    assert.ok(Number(await page.getAttribute('#bytes-received', 'data-bytes')) > 0);
    assert.deepEqual(page.problems, []);
  } finally {
    await browser.close();
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
