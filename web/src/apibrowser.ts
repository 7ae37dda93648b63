// racd's API browser, served at /api/v3/: it reads racd's own OpenAPI document
// (/api/v3/schema/?format=json), lists its operations grouped by tag with their
// parameters, request bodies and answers, and sends a request with what the reader fills
// in. Requests carry an API token when one is given (kept in this page's memory only,
// never stored), else the browser's session cookie; unsafe methods then also carry the
// CSRF header (see sessionHook). Everything from the server is put into the page as
// text, never as HTML.

type Json = any;

interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  description?: string;
  schema?: Json;
}

interface Operation {
  method: string;
  path: string;
  id: string;
  tag: string;
  summary: string;
  description: string;
  parameters: Parameter[];
  body?: Json; // the JSON request body's schema
  bodyRequired: boolean;
  responses: [string, string][];
}

const schemaURL = "/api/v3/schema/?format=json";
const methods = ["get", "post", "put", "patch", "delete"];
const unsafe = new Set(["POST", "PUT", "PATCH", "DELETE"]);

// The session's CSRF cookie and header, as authentik names them. Sign-in sets the
// cookie; unsafe requests made with the session must echo it in the header.
const csrfCookie = "authentik_csrf";
const csrfHeader = "X-authentik-CSRF";

/** A hook adjusts an outgoing request: credentials, headers. */
type RequestHook = (method: string, headers: Headers, init: RequestInit) => void;

let token = "";

/** tokenHook authenticates with the API token typed into the page, if any. */
const tokenHook: RequestHook = (_method, headers) => {
  if (token) headers.set("Authorization", "Bearer " + token);
};

/** sessionHook sends the session cookie when no token is given, with the CSRF header
 * on unsafe methods (the cookie's value, as authentik's own pages do). */
const sessionHook: RequestHook = (method, headers, init) => {
  if (token) return;
  init.credentials = "same-origin";
  if (unsafe.has(method)) {
    const v = cookie(csrfCookie);
    if (v) headers.set(csrfHeader, v);
  }
};

const requestHooks: RequestHook[] = [tokenHook, sessionHook];

function cookie(name: string): string {
  for (const part of document.cookie.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return "";
}

/** el builds an element with attributes and children (strings become text nodes). */
function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string | null | undefined)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return e;
}

/** resolve follows a local $ref ("#/components/schemas/X"). */
function resolve(doc: Json, v: Json, depth = 0): Json {
  while (v && typeof v === "object" && typeof v.$ref === "string" && depth < 32) {
    const path = v.$ref.replace(/^#\//, "").split("/");
    v = path.reduce((o: Json, k: string) => (o ? o[k] : undefined), doc);
    depth++;
  }
  return v;
}

/** example makes a request body to start from: every writable property of the
 * schema with a placeholder of its type (enum: the first value). */
function example(doc: Json, s: Json, depth = 0): Json {
  s = resolve(doc, s);
  if (!s || depth > 6) return null;
  if (s.example !== undefined) return s.example;
  if (s.default !== undefined) return s.default;
  if (Array.isArray(s.allOf) && s.allOf.length > 0) return example(doc, s.allOf[0], depth + 1);
  if (Array.isArray(s.oneOf) && s.oneOf.length > 0) return example(doc, s.oneOf[0], depth + 1);
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  switch (s.type) {
    case "object": {
      const out: Record<string, Json> = {};
      for (const [k, p] of Object.entries<Json>(s.properties || {})) {
        const r = resolve(doc, p);
        if (r && r.readOnly) continue;
        out[k] = example(doc, r, depth + 1);
      }
      return out;
    }
    case "array":
      return [];
    case "integer":
    case "number":
      return 0;
    case "boolean":
      return false;
    case "string":
      return s.format === "uuid" ? "00000000-0000-0000-0000-000000000000" : "";
  }
  return null;
}

function typeOf(doc: Json, s: Json): string {
  s = resolve(doc, s);
  if (!s) return "";
  if (Array.isArray(s.enum)) return s.enum.join(" | ");
  if (s.type === "array") return typeOf(doc, s.items) + "[]";
  return [s.type, s.format].filter(Boolean).join(", ");
}

/** operations lists the document's operations in path order. */
function operations(doc: Json): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries<Json>(doc.paths || {})) {
    for (const m of methods) {
      const op = item[m];
      if (!op) continue;
      const params: Parameter[] = [...(item.parameters || []), ...(op.parameters || [])].map((p: Json) => resolve(doc, p));
      const content = resolve(doc, op.requestBody)?.content || {};
      const body = content["application/json"]?.schema;
      out.push({
        method: m.toUpperCase(),
        path,
        id: op.operationId || m + path,
        tag: (op.tags && op.tags[0]) || "other",
        summary: op.summary || "",
        description: op.description || "",
        parameters: params,
        body,
        bodyRequired: !!resolve(doc, op.requestBody)?.required,
        responses: Object.entries<Json>(op.responses || {}).map(([code, r]) => [code, resolve(doc, r)?.description || ""]),
      });
    }
  }
  return out;
}

/** send runs one operation with the values filled in and shows the answer. */
async function send(op: Operation, form: HTMLFormElement, out: HTMLElement): Promise<void> {
  const data = new FormData(form);
  let path = op.path;
  const query = new URLSearchParams();
  const headers = new Headers({ Accept: "application/json" });
  for (const p of op.parameters) {
    const v = String(data.get("param-" + p.in + "-" + p.name) ?? "");
    if (p.in === "path") path = path.replace("{" + p.name + "}", encodeURIComponent(v));
    else if (p.in === "query" && v !== "") query.append(p.name, v);
    else if (p.in === "header" && v !== "") headers.set(p.name, v);
  }
  const init: RequestInit = { method: op.method, headers, credentials: "omit" };
  const body = String(data.get("body") ?? "");
  if (op.body !== undefined && body.trim() !== "" && op.method !== "GET") {
    headers.set("Content-Type", "application/json");
    init.body = body;
  }
  for (const hook of requestHooks) hook(op.method, headers, init);
  const url = path + (query.toString() ? "?" + query.toString() : "");
  out.replaceChildren(el("p", { class: "muted" }, op.method + " " + url + " …"));
  const started = performance.now();
  try {
    const res = await fetch(url, init);
    const text = await res.text();
    const ms = Math.round(performance.now() - started);
    let shown = text;
    try {
      shown = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      // not JSON (the YAML schema, an empty 204): shown as it came
    }
    out.replaceChildren(
      el("p", { class: "status", "data-status": String(res.status) }, `${res.status} ${res.statusText}`, el("span", { class: "muted" }, ` · ${ms} ms · ${op.method} ${url}`)),
      el("pre", { class: "response", tabindex: "0" }, shown || "(empty body)"),
    );
  } catch (err) {
    out.replaceChildren(el("p", { class: "error" }, "The request failed: " + String(err)));
  }
}

/** inline renders the schema's light markdown: `code` and **strong**, as text nodes
 * inside elements (never parsed as HTML). */
function inline(text: string): (Node | string)[] {
  return text.split(/(`[^`\n]+`|\*\*[^*\n]+\*\*)/).map((part) => {
    if (part.startsWith("`") && part.endsWith("`") && part.length > 1) return el("code", {}, part.slice(1, -1));
    if (part.startsWith("**") && part.endsWith("**") && part.length > 3) return el("strong", {}, part.slice(2, -2));
    return part;
  });
}

function renderOperation(doc: Json, op: Operation): HTMLElement {
  const form = el("form", { class: "try" });
  const out = el("div", { class: "answer", "aria-live": "polite" });
  if (op.parameters.length > 0) {
    const rows = op.parameters.map((p) => {
      const id = `${op.id}-${p.in}-${p.name}`;
      const input = el("input", { id, name: `param-${p.in}-${p.name}`, autocomplete: "off" });
      if (p.required) input.required = true;
      const s = resolve(doc, p.schema);
      if (s && Array.isArray(s.enum)) input.setAttribute("placeholder", s.enum.join(" | "));
      return el(
        "tr",
        {},
        el("td", {}, el("label", { for: id }, p.name), p.required ? el("span", { class: "required" }, " required") : null),
        el("td", { class: "muted" }, p.in + (typeOf(doc, p.schema) ? " · " + typeOf(doc, p.schema) : "")),
        el("td", {}, input, p.description ? el("div", { class: "muted small" }, ...inline(p.description)) : null),
      );
    });
    form.append(el("h4", {}, "Parameters"), el("table", { class: "params" }, el("tbody", {}, ...rows)));
  }
  if (op.body !== undefined) {
    const id = op.id + "-body";
    const area = el("textarea", { id, name: "body", rows: "8", spellcheck: "false" });
    area.value = JSON.stringify(example(doc, op.body), null, 2);
    const name = typeof op.body?.$ref === "string" ? op.body.$ref.split("/").pop() : "JSON";
    form.append(el("h4", {}, el("label", { for: id }, `Request body (${name})`, op.bodyRequired ? "" : " — optional")), area);
  }
  form.append(el("button", { type: "submit", class: "send" }, "Send request"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void send(op, form, out);
  });
  const responses = el(
    "ul",
    { class: "responses" },
    ...op.responses.map(([code, d]) => el("li", {}, el("code", {}, code), " ", d.split("\n")[0])),
  );
  const details = el(
    "details",
    { class: "operation", id: "op-" + op.id, "data-operation": op.id },
    el(
      "summary",
      {},
      el("span", { class: "method method-" + op.method.toLowerCase() }, op.method),
      el("code", { class: "path" }, op.path),
      el("span", { class: "summary" }, op.summary),
    ),
    op.description ? el("div", { class: "description" }, ...inline(op.description)) : null,
    form,
    el("h4", {}, "Answers"),
    responses,
    out,
  );
  return details;
}

function render(doc: Json): void {
  const root = document.getElementById("api")!;
  const ops = operations(doc);
  const tagOrder: string[] = (doc.tags || []).map((t: Json) => t.name);
  for (const op of ops) if (!tagOrder.includes(op.tag)) tagOrder.push(op.tag);
  const sections = tagOrder
    .map((tag) => {
      const mine = ops.filter((o) => o.tag === tag);
      if (mine.length === 0) return null;
      return el(
        "section",
        { class: "tag", "data-tag": tag, "aria-labelledby": "tag-" + tag },
        el("h2", { id: "tag-" + tag }, tag, el("span", { class: "muted count" }, ` ${mine.length} operations`)),
        ...mine.map((o) => renderOperation(doc, o)),
      );
    })
    .filter((s): s is HTMLElement => s !== null);
  document.getElementById("title")!.textContent = `${doc.info?.title ?? "API"} ${doc.info?.version ?? ""}`.trim();
  document.getElementById("count")!.textContent = `${ops.length} operations in ${sections.length} groups`;
  root.replaceChildren(...sections);

  const filter = document.getElementById("filter") as HTMLInputElement;
  filter.addEventListener("input", () => {
    const q = filter.value.trim().toLowerCase();
    for (const section of sections) {
      let shown = 0;
      for (const d of Array.from(section.querySelectorAll<HTMLElement>("details.operation"))) {
        const hit = q === "" || (d.querySelector("summary")!.textContent || "").toLowerCase().includes(q);
        d.hidden = !hit;
        if (hit) shown++;
      }
      section.hidden = shown === 0;
    }
  });
}

function init(): void {
  const tokenInput = document.getElementById("token") as HTMLInputElement;
  const mode = document.getElementById("auth-mode")!;
  const showMode = () => {
    mode.textContent = token ? "Requests send this token." : "No token: requests use your signed-in session, if any.";
  };
  tokenInput.addEventListener("input", () => {
    token = tokenInput.value.trim();
    showMode();
  });
  showMode();
  fetch(schemaURL, { headers: { Accept: "application/json" }, credentials: "omit" })
    .then((res) => {
      if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
      return res.json();
    })
    .then(render)
    .catch((err) => {
      document.getElementById("api")!.replaceChildren(el("p", { class: "error" }, "Could not load the API description: " + String(err)));
    });
}

init();
