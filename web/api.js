// Same-origin JSON calls to the gateway's HTTP API, with failures turned into ApiError sentences.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status; // 0 when the gateway could not be reached at all
  }
}

export async function apiJson(path, { method = 'GET', token, body } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch (err) {
    throw new ApiError(0, `Cannot reach the gateway at ${location.host}: is it running? (${err.message})`);
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null; // a proxy's HTML error page, for instance
  }
  if (!res.ok) {
    const said = typeof data?.error === 'string' ? data.error : text.slice(0, 200).trim();
    throw new ApiError(res.status, said || res.statusText || `HTTP ${res.status}`);
  }
  return data;
}
