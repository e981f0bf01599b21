// Starts the real voxgate binary and Debian's Chromium for the page tests; nothing here is a
// stand-in for either. VOXGATE_BIN names the binary, FAKE_MIC_WAV the microphone's sound file.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

// Development tokens on and pages of 127.0.0.1 (any port) allowed, as scripts/serve.sh sets up.
export const DEV_CONFIG = '[dev]\nenabled = true\n[origins]\nallow = ["http://127.0.0.1:*"]\n';

export const JWT_SECRET = 'browser-tests-secret-0123456789abcdef';
export const API_KEY = 'browser-tests-publish-key';
export const WEBHOOK_SECRET = 'browser-tests-vapi-secret';

const binary = process.env.VOXGATE_BIN;
if (!binary) throw new Error('set VOXGATE_BIN to the voxgate binary under test');

// Variables of the developer's shell must not change what is tested.
function cleanEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) =>
    !k.startsWith('VOXGATE_') && !k.startsWith('VAPI_') &&
    !['FRONTEND_URL', 'CORS_ORIGIN', 'ALLOWED_WS_ORIGINS', 'PORT', 'SUPABASE_JWT_SECRET'].includes(k)));
}

// The first sanitizer report in a process's output, from a few lines before it, or null.
function sanitizerReport(output) {
  const lines = output.split('\n');
  const at = lines.findIndex((l) => /ERROR: (LeakSanitizer|AddressSanitizer)|runtime error:/.test(l));
  return at < 0 ? null : lines.slice(Math.max(0, at - 3), at + 300).join('\n');
}

// One voxgate process with its own folder, config and captured JSON log lines.
export class Gateway {
  static async start({ config = '', port = 0, dir } = {}) {
    const g = new Gateway();
    g.dir = dir ?? mkdtempSync(join(tmpdir(), 'voxgate-browser-'));
    g.ownsDir = !dir;
    const path = join(g.dir, 'voxgate.toml');
    writeFileSync(path, `[auth]
jwt_secret = "${JWT_SECRET}"
[publish]
api_keys = ["${API_KEY}"]
[vapi]
webhook_legacy_secret = "${WEBHOOK_SECRET}"
[store]
path = "${join(g.dir, 'voxgate.db')}"
${config}
`);
    return Gateway.launch(g, binary, ['serve', '--config', path, '--listen', `127.0.0.1:${port}`], { cwd: g.dir });
  }

  // Runs `command` (voxgate serve, or a script that ends in it) and waits for its listening line.
  static async launch(g, command, args, { cwd, env = {} }) {
    g.proc = spawn(command, args, { cwd, env: { ...cleanEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    g.logs = [];
    // 'close', not 'exit': the output is read to its end, a sanitizer's report with it.
    g.exited = new Promise((resolve) => g.proc.on('close', (code, signal) => resolve({ code, signal })));
    const listening = new Promise((resolve, reject) => {
      const lines = createInterface({ input: g.proc.stdout });
      lines.on('line', (text) => {
        let line;
        try { line = JSON.parse(text); } catch { line = { raw: text }; }
        g.logs.push(line);
        if (line.msg === 'voxgate listening') resolve(line.port);
      });
      createInterface({ input: g.proc.stderr }).on('line', (text) => g.logs.push({ stderr: text }));
      g.exited.then(({ code }) => reject(new Error(`${command} exited (${code}) before listening:\n` +
        g.logs.map((l) => JSON.stringify(l)).join('\n'))));
    });
    g.port = await listening;
    g.base = `http://127.0.0.1:${g.port}`;
    return g;
  }

  // SIGTERM, then the exit status and the output: after a graceful stop a leak or memory error
  // (ASan, LSan, UBSan report; the asan build also exits non-zero) fails the test that owns it.
  async stop({ keepDir = false } = {}) {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGTERM');
    const { code, signal } = await this.exited;
    if (this.ownsDir && !keepDir) rmSync(this.dir, { recursive: true, force: true });
    const output = this.logs.map((l) => l.stderr ?? l.raw ?? JSON.stringify(l)).join('\n');
    const report = sanitizerReport(output);
    if (report) throw new Error(`sanitizer report from voxgate (exit ${code ?? signal}):\n${report}`);
    if (code !== 0) throw new Error(`voxgate exited with ${code ?? signal}:\n${output.split('\n').slice(-60).join('\n')}`);
  }

  async metrics() {
    const text = await (await fetch(`${this.base}/metrics`)).text();
    return text;
  }

  // The value of one sample of /metrics, 0 when absent.
  async metric(name, labels = '') {
    const text = await this.metrics();
    const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  async publish(orgId, event) {
    const res = await fetch(`${this.base}/api/events`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ orgId, event }),
    });
    if (res.status !== 202) throw new Error(`publish answered ${res.status}: ${await res.text()}`);
    return (await res.json()).ids[0];
  }

  // A Vapi server message, authenticated as an assistant with a legacy server secret would be.
  async webhook(message) {
    const res = await fetch(`${this.base}/api/webhooks/vapi`, {
      method: 'POST',
      headers: { 'x-vapi-secret': WEBHOOK_SECRET, 'Content-Type': 'application/json' },
      body: JSON.stringify({ message }),
    });
    if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
  }
}

// An HS256 JWT as Supabase issues it, signed here independently of voxgate's own minting.
export function userToken({ sub = 'user-1', org = 'org-1', ttl = 3600, secret = JWT_SECRET } = {}) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, role: 'authenticated', iat: now, exp: now + ttl, app_metadata: { org_id: org } })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

export async function launchBrowser({ microphone = true } = {}) {
  const args = ['--autoplay-policy=no-user-gesture-required'];
  if (microphone) {
    const wav = process.env.FAKE_MIC_WAV;
    if (!wav) throw new Error('set FAKE_MIC_WAV to a WAV file (run.sh makes one with espeak-ng)');
    args.push('--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${wav}`);
  } else {
    args.push('--use-fake-device-for-media-stream', '--deny-permission-prompts');
  }
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args });
}

// A page that records console errors and uncaught exceptions, for "no console errors" checks.
export async function openPage(browser, url) {
  const page = await browser.newPage();
  page.problems = [];
  page.on('console', (m) => { if (m.type() === 'error') page.problems.push(`console.error: ${m.text()}`); });
  page.on('pageerror', (e) => page.problems.push(`uncaught: ${e.message}`));
  await page.goto(url);
  return page;
}

// Saves a screenshot into SCREENSHOT_DIR when it is set (npm run screenshots sets docs/images).
export async function screenshot(page, name) {
  if (!process.env.SCREENSHOT_DIR) return;
  // A viewport as tall as the page: fullPage captures repaint the sticky header mid-page.
  await page.setViewportSize({ width: 1440, height: 900 });
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: 1440, height: Math.min(height, 4000) });
  await page.screenshot({ path: join(process.env.SCREENSHOT_DIR, name) });
}

// One gateway and one browser for a test file, started before its tests and stopped after.
// `env.gateway` may be replaced by a test (a restart); the replacement is the one stopped.
export function gatewayAndBrowser({ config = DEV_CONFIG } = {}) {
  const env = { gateway: null, browser: null };
  before(async () => {
    env.gateway = await Gateway.start({ config });
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.gateway?.stop();
  });
  return env;
}
