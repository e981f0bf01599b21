// The sign-in block shared by both pages: a pasted JWT or a development token, kept per tab.
import { apiJson } from './api.js';
import { decodeJwtClaims, lowerFirst, refreshLeadSeconds, tokenExpiry } from './client.js';

const TOKEN_KEY = 'voxgate.token';
const SOURCE_KEY = 'voxgate.tokenSource'; // 'dev' tokens can be re-minted, pasted ones cannot
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

// sessionStorage throws in some privacy modes; the page still works for this load.
const memory = new Map();
const storage = {
  get(key) {
    try {
      return sessionStorage.getItem(key);
    } catch {
      return memory.get(key) ?? null;
    }
  },
  set(key, value) {
    try {
      sessionStorage.setItem(key, value);
    } catch {
      memory.set(key, value);
    }
  },
  remove(key) {
    try {
      sessionStorage.removeItem(key);
    } catch {
      memory.delete(key);
    }
  },
};

export function orgOf(claims) {
  return claims?.app_metadata?.org_id ?? claims?.org_id ?? claims?.orgId ?? null;
}

function nowSeconds() {
  return Date.now() / 1000;
}

// Why a pasted token cannot be used, or null when it looks usable.
export function tokenProblem(token) {
  if (!token) return 'Paste a token first.';
  if (!JWT_SHAPE.test(token)) return 'That is not a JWT: expected three base64url parts separated by dots (eyJ….eyJ….…).';
  const claims = decodeJwtClaims(token);
  if (!claims) return "The token's payload is not readable JSON.";
  const exp = tokenExpiry(token);
  if (exp == null) return 'The token has no exp claim; the gateway requires one.';
  if (exp <= nowSeconds()) {
    return `This token expired at ${new Date(exp * 1000).toLocaleString()}. Mint a new one (voxgate token --user … --org …) and paste it.`;
  }
  return null;
}

export function setupSignIn({ onChange = () => {} } = {}) {
  const el = {
    signin: document.getElementById('signin'),
    account: document.getElementById('account'),
    input: document.getElementById('token-input'),
    signIn: document.getElementById('sign-in'),
    dev: document.getElementById('dev-token'),
    signOut: document.getElementById('sign-out'),
    user: document.getElementById('user'),
    message: document.getElementById('signin-message'),
  };
  let token = null;
  let minting = null;

  function say(text, kind = 'error') {
    el.message.textContent = text;
    el.message.dataset.kind = kind;
  }

  function show() {
    const claims = decodeJwtClaims(token);
    el.signin.hidden = Boolean(token);
    el.account.hidden = !token;
    el.user.textContent = token ? `${claims?.sub ?? 'unknown user'} · ${orgOf(claims) ?? 'no org'}` : '';
    const exp = tokenExpiry(token);
    el.user.title = exp ? `Token valid until ${new Date(exp * 1000).toLocaleString()}` : '';
  }

  function store(newToken, source, cause) {
    token = newToken;
    if (token) {
      storage.set(TOKEN_KEY, token);
      storage.set(SOURCE_KEY, source);
    } else {
      storage.remove(TOKEN_KEY);
      storage.remove(SOURCE_KEY);
    }
    show();
    onChange({ token, claims: decodeJwtClaims(token), cause });
  }

  // One mint at a time: the live client and a page action may ask together.
  function mintDevToken(identity) {
    minting ??= apiJson('/api/dev/token', { method: 'POST', body: identity || {} })
      .then((answer) => {
        if (typeof answer?.token !== 'string') throw new Error('the gateway answered without a token');
        return answer.token;
      })
      .finally(() => {
        minting = null;
      });
    return minting;
  }

  async function getToken() {
    if (!token) return null;
    const exp = tokenExpiry(token);
    const dueForNew = exp != null && exp - nowSeconds() <= refreshLeadSeconds(token) + 5;
    if (dueForNew && storage.get(SOURCE_KEY) === 'dev') {
      const claims = decodeJwtClaims(token);
      try {
        store(await mintDevToken({ userId: claims?.sub, orgId: orgOf(claims) }), 'dev', 'refresh');
      } catch (err) {
        console.warn('voxgate: could not mint a new development token', err);
      }
    }
    return token;
  }

  el.signIn.addEventListener('click', () => {
    const pasted = el.input.value.trim().replace(/^Bearer\s+/i, '');
    const problem = tokenProblem(pasted);
    if (problem) return say(problem);
    const claims = decodeJwtClaims(pasted);
    say(orgOf(claims) ? '' : 'Signed in, but the token has no app_metadata.org_id: the gateway may refuse it.', 'info');
    el.input.value = '';
    store(pasted, 'pasted', 'signin');
  });

  el.dev.addEventListener('click', async () => {
    el.dev.disabled = true;
    say('Minting a development token…', 'info');
    try {
      const minted = await mintDevToken();
      say('', 'info');
      store(minted, 'dev', 'signin');
    } catch (err) {
      say(`Could not get a development token: ${err.message}`);
    } finally {
      el.dev.disabled = false;
    }
  });

  el.signOut.addEventListener('click', () => {
    say('', 'info');
    store(null, '', 'signout');
  });

  // The development-token button exists only where the gateway mints them.
  apiJson('/api/dev')
    .then((answer) => {
      el.dev.hidden = answer?.devTokens !== true;
    })
    .catch((err) => console.warn('voxgate: GET /api/dev failed; no development tokens', err.message));

  // A token kept from earlier in this tab, unless it expired meanwhile.
  const saved = storage.get(TOKEN_KEY);
  const source = storage.get(SOURCE_KEY) || 'pasted';
  const problem = saved ? tokenProblem(saved) : null;
  if (saved && !problem) {
    token = saved;
    show();
    queueMicrotask(() => onChange({ token, claims: decodeJwtClaims(token), cause: 'restore' }));
  } else if (saved && source === 'dev') {
    storage.remove(TOKEN_KEY);
    show();
    queueMicrotask(() => onChange({ token: null, claims: null, cause: 'restore' }));
    mintDevToken()
      .then((minted) => store(minted, 'dev', 'signin'))
      .catch((err) => say(`Your development token expired and a new one could not be minted: ${err.message}`));
  } else {
    if (saved) {
      storage.remove(TOKEN_KEY);
      say(`Your saved token can no longer be used: ${lowerFirst(problem)}`);
    }
    show();
    queueMicrotask(() => onChange({ token: null, claims: null, cause: 'restore' }));
  }

  return {
    getToken,
    get token() {
      return token;
    },
    get claims() {
      return decodeJwtClaims(token);
    },
  };
}
