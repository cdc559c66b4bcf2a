// How the consent window shows who asks: the registrable domain (eTLD+1, from the Public Suffix
// List in the bundled tldts) stands out, so bank.example.jp.evil.example reads as evil.example.
// The background splits the origin (flow.js) and sends the parts in the window's `init`.
/**
 * Splits an origin for display: {prefix, site, suffix} where `site` is the registrable domain,
 * `prefix` what comes before it (scheme other than https, subdomains) and `suffix` the port.
 * `getDomain(hostname)` is tldts.getDomain; for IP addresses and single labels (localhost) the
 * whole host is the site.
 * @param {string} origin
 * @param {(host: string, options: { allowPrivateDomains: boolean }) => string | null} getDomain
 */
export function siteParts(origin, getDomain) {
  const u = new URL(origin);
  const scheme = u.protocol === 'https:' ? '' : `${u.protocol}//`;
  const host = u.hostname;
  const domain = getDomain(host, { allowPrivateDomains: true }) || host;
  const site = host.endsWith(domain) ? domain : host;
  return { prefix: scheme + host.slice(0, host.length - site.length), site, suffix: u.port ? `:${u.port}` : '' };
}

