// Display formats for times and durations, shared by the dashboard and the test-call page.

function toDate(value) {
  if (value == null || value === '') return null;
  const d = new Date(typeof value === 'number' ? value : String(value));
  return Number.isNaN(d.getTime()) ? null : d;
}

export function formatClock(value) {
  const d = toDate(value);
  return d ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : '—';
}

export function formatDateTime(value) {
  const d = toDate(value);
  if (!d) return '—';
  const sameDay = d.toDateString() === new Date().toDateString();
  const day = sameDay ? 'Today' : d.toLocaleDateString([], { year: 'numeric', month: 'short', day: 'numeric' });
  return `${day} ${formatClock(d)}`;
}

export function formatDuration(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

// Only http(s) links from server data: a javascript: URL in an href would run code.
export function safeHttpUrl(value) {
  try {
    const u = new URL(String(value));
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}
