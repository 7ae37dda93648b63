// Reads each operation of a loaded client from its generated code: the HTTP method and
// path it sends, the query parameters it can set, the request-body model and the
// response model it deserializes with. The runner uses this to name the model to check
// an answer against; diff.mjs uses it to compare versions.

/**
 * Operations of one client module, by method name (`providersRacRetrieve`) and by
 * "METHOD /path/" (paths without the /api/v3 prefix, as the client holds them).
 */
export function operationTable(mod) {
  const byName = new Map();
  const byRoute = new Map();
  for (const [apiName, cls] of Object.entries(mod)) {
    if (!/Api$/.test(apiName) || typeof cls !== 'function' || apiName === 'BaseAPI') continue;
    const proto = cls.prototype;
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (!key.endsWith('Raw')) continue;
      const name = key.slice(0, -3);
      const raw = proto[key].toString();
      const opts = typeof proto[`${name}RequestOpts`] === 'function' ? proto[`${name}RequestOpts`].toString() : raw;
      const path = (opts.match(/path:\s*`([^`]+)`/) || opts.match(/urlPath = `([^`]+)`/) || [])[1];
      const method = (opts.match(/method:\s*'(\w+)'/) || [])[1];
      if (!path || !method) continue;
      const query = [...new Set([...opts.matchAll(/queryParameters\['([^']+)'\]/g)].map((m) => m[1]))].sort();
      const body = opts.match(/body:\s*\(0,\s*[\w$]+\.(\w+)ToJSON\)\(requestParameters(?:\.|\[')(\w+)/);
      const resp = raw.match(/JSONApiResponse\(response,\s*\(jsonValue\)\s*=>\s*(jsonValue\.map\()?[^)]*?(\w+)FromJSON\b/);
      const op = {
        api: apiName,
        name,
        method,
        path,
        query,
        bodyModel: body ? body[1] : null,
        bodyParam: body ? body[2] : null,
        responseModel: resp ? resp[2] : null,
        responseArray: Boolean(resp && resp[1]),
        voidResponse: /VoidApiResponse/.test(raw),
      };
      byName.set(name, op);
      byRoute.set(`${method} ${path}`, op);
    }
  }
  return { byName, byRoute };
}
