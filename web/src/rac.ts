// The session page: shows one remote session through racd's WebSocket tunnel with
// guacamole-common-js. It asks for the window's size in device pixels, scales the
// remote screen to the window, carries keyboard, mouse, touch and the clipboard, asks
// the person for the credentials the remote machine wants (guacd's "required"), says
// in words what is happening (connecting, reconnecting in N s, ended and why), and
// reconnects by itself with back-off when the cause may pass.
import Guacamole from "guacamole-common-js";

// Guacamole status codes (the protocol's numbers).
const Code = {
  SUCCESS: 0x0000,
  SERVER_ERROR: 0x0200,
  SERVER_BUSY: 0x0201,
  UPSTREAM_TIMEOUT: 0x0202,
  UPSTREAM_ERROR: 0x0203,
  RESOURCE_NOT_FOUND: 0x0204,
  RESOURCE_CONFLICT: 0x0205,
  RESOURCE_CLOSED: 0x0206,
  UPSTREAM_NOT_FOUND: 0x0207,
  UPSTREAM_UNAVAILABLE: 0x0208,
  SESSION_CONFLICT: 0x0209,
  SESSION_TIMEOUT: 0x020a,
  SESSION_CLOSED: 0x020b,
  CLIENT_BAD_REQUEST: 0x0300,
  CLIENT_UNAUTHORIZED: 0x0301,
  CLIENT_FORBIDDEN: 0x0303,
  CLIENT_TIMEOUT: 0x0308,
  CLIENT_OVERRUN: 0x030d,
};

// What racd says when it ends a session itself (internal/gateway/reason.go).
const RESTARTING = "The server is restarting.";
const SIGNED_OUT = "You were signed out, so this connection ended.";

// Reconnection: after a cause that may pass, wait 1, 2, 4, 8 then 10 s, at most
// MAX_TRIES times in a row.
const MAX_TRIES = 8;
const delayOf = (attempt: number) => Math.min(10, 2 ** attempt);

interface Ending {
  words: string; // what happened, for a person
  retry: boolean; // whether waiting may help
}

// describe turns a status into words and whether to reconnect.
function describe(code: number, message: string): Ending {
  switch (code) {
    case Code.SESSION_TIMEOUT:
      return { words: "The connection has expired.", retry: false };
    case Code.SESSION_CLOSED:
      // Signing out (or a revoked sign-in) deletes the tokens it launched.
      if (message === SIGNED_OUT) return { words: SIGNED_OUT, retry: false };
      return { words: "Disconnected by an administrator.", retry: false };
    case Code.SESSION_CONFLICT:
      return { words: "The connection was opened again in another window.", retry: false };
    case Code.CLIENT_UNAUTHORIZED:
      return { words: "Authentication failed: the machine refused the credentials.", retry: false };
    case Code.CLIENT_FORBIDDEN:
      return { words: "This connection is bound to another browser.", retry: false };
    case Code.RESOURCE_NOT_FOUND:
      return { words: "This connection link is no longer valid.", retry: false };
    case Code.CLIENT_BAD_REQUEST:
    case Code.CLIENT_OVERRUN:
      return { words: "The connection failed: the page sent something the server did not accept.", retry: false };
    case Code.UPSTREAM_UNAVAILABLE:
      if (message === RESTARTING) return { words: "The server is restarting.", retry: true };
      return { words: "The machine is unreachable.", retry: true };
    case Code.CLIENT_TIMEOUT:
      return { words: "The connection timed out.", retry: true };
    case Code.SUCCESS:
      return { words: "The session has ended.", retry: false };
    case Code.SERVER_ERROR:
    case Code.SERVER_BUSY:
      return { words: "The server could not keep the connection.", retry: true };
    default:
      // 0x0202, 0x0203, 0x0207 and the like: the machine, or guacd, is not there.
      return { words: "The machine is unreachable.", retry: true };
  }
}

function el<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error("the page lacks #" + id);
  return e as T;
}

const script = document.currentScript as HTMLScriptElement;
const tunnelPath = script.dataset.tunnel || "";
const displayHost = el<HTMLElement>("display");
const overlay = el<HTMLElement>("overlay");
const statusText = el<HTMLElement>("status");
const detailText = el<HTMLElement>("detail");
const retryButton = el<HTMLButtonElement>("retry");
const toolbar = el<HTMLElement>("toolbar");
const prompt = el<HTMLElement>("prompt");
const credentials = el<HTMLFormElement>("credentials");
const promptFields = el<HTMLElement>("prompt-fields");

let client: any = null;
let tries = 0; // failed attempts in a row
let countdown: number | undefined;
let finished = false; // the person disconnected, or the end is final
let prompted = false; // this connection asked the person for credentials

function show(status: string, detail = "", canRetry = false) {
  statusText.textContent = status;
  detailText.textContent = detail;
  retryButton.hidden = !canRetry;
  overlay.hidden = false;
  document.body.dataset.state = status;
}

function hide() {
  overlay.hidden = true;
}

// screenSize is the window in device pixels, and the matching dpi.
function screenSize() {
  const ratio = window.devicePixelRatio || 1;
  return {
    width: Math.max(1, Math.round(window.innerWidth * ratio)),
    height: Math.max(1, Math.round(window.innerHeight * ratio)),
    dpi: Math.round(96 * ratio),
  };
}

// fit scales the remote screen to the window.
function fit() {
  if (!client) return;
  const display = client.getDisplay();
  const w = display.getWidth();
  const h = display.getHeight();
  if (!w || !h) return;
  display.scale(Math.min(window.innerWidth / w, window.innerHeight / h));
}

function sendText(c: any, text: string) {
  const stream = c.createClipboardStream("text/plain");
  const writer = new (Guacamole as any).StringWriter(stream);
  writer.sendText(text);
  writer.sendEnd();
}

// The credentials prompt. guacd sends "required" with the names of the connection
// parameters the remote machine still needs (RDP: username, domain, password; VNC:
// password); the person types them into a form, and each value goes to guacd in an
// "argv" stream. The values live only in the form's fields until they are sent: they
// are never logged or stored, and the fields are emptied once sent or abandoned.
const FIELD_LABELS: Record<string, string> = {
  username: "Username",
  password: "Password",
  domain: "Domain",
  passphrase: "Passphrase",
};
// Fields in the order people expect them, whatever order guacd asked in.
const FIELD_ORDER = ["username", "password", "domain"];
let promptClient: any = null; // the client the shown prompt answers

function isSecret(name: string) {
  return /password|passphrase|secret/.test(name);
}

function askCredentials(c: any, names: string[]) {
  promptClient = c;
  const rank = (n: string) => (FIELD_ORDER.indexOf(n) + 1 || FIELD_ORDER.length + 1);
  const ordered = names.slice().sort((a, b) => rank(a) - rank(b));
  promptFields.replaceChildren(
    ...ordered.map((name, i) => {
      const field = document.createElement("div");
      field.className = "field";
      const label = document.createElement("label");
      const input = document.createElement("input");
      input.id = "prompt-field-" + i;
      input.name = name;
      input.type = isSecret(name) ? "password" : "text";
      input.autocomplete = "off"; // the machine's account, not racd's: no autofill, nothing saved
      input.spellcheck = false;
      input.setAttribute("autocapitalize", "none");
      label.htmlFor = input.id;
      label.textContent = FIELD_LABELS[name] || name;
      field.append(label, input);
      return field;
    }),
  );
  overlay.hidden = true;
  displayHost.inert = true;
  toolbar.inert = true;
  prompt.hidden = false;
  document.body.dataset.state = "credentials";
  const first = promptFields.querySelector("input");
  if (first) first.focus();
}

// closePrompt hides the form and empties its fields.
function closePrompt() {
  promptFields.querySelectorAll("input").forEach((input) => (input.value = ""));
  promptFields.replaceChildren();
  prompt.hidden = true;
  displayHost.inert = false;
  toolbar.inert = false;
  promptClient = null;
}

credentials.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const c = promptClient;
  if (!c || c !== client) {
    closePrompt();
    return;
  }
  promptFields.querySelectorAll("input").forEach((input) => {
    const stream = c.createArgumentValueStream("text/plain", input.name);
    const writer = new (Guacamole as any).StringWriter(stream);
    writer.sendText(input.value);
    writer.sendEnd();
  });
  prompted = true;
  closePrompt();
  show("Connecting…");
  displayHost.focus();
});

function cancelPrompt() {
  closePrompt();
  disconnect();
}

el<HTMLButtonElement>("prompt-cancel").addEventListener("click", cancelPrompt);
credentials.addEventListener("keydown", (ev) => {
  if (ev.key === "Escape") {
    ev.preventDefault();
    cancelPrompt();
  }
});

// typing reports whether the keyboard belongs to the page itself (a button of the
// toolbar, a field of the prompt) rather than to the remote machine.
function typing() {
  const a = document.activeElement;
  return !!a && (a.tagName === "BUTTON" || a.tagName === "INPUT" || !prompt.hidden);
}

function connect() {
  window.clearInterval(countdown);
  show(tries === 0 ? "Connecting…" : "Reconnecting…");
  const tunnel = new (Guacamole as any).WebSocketTunnel(tunnelPath);
  const c = new (Guacamole as any).Client(tunnel);
  client = c;
  prompted = false;
  let ended = false;
  const end = (code: number, message: string, tunnelOnly = false) => {
    if (ended || client !== c) return;
    ended = true;
    onEnd(code, message, tunnelOnly);
  };
  const display = c.getDisplay();
  displayHost.replaceChildren(display.getElement());
  display.onresize = fit;

  c.onstatechange = (state: number) => {
    if (state === 3) {
      // CONNECTED: the first frame arrived. It is on the screen (its images decoded,
      // the screen sized) once the display has flushed it; until then there is
      // nothing to see or touch, so the overlay stays.
      tries = 0;
      display.flush(() => {
        if (client !== c || ended) return;
        hide();
        fit();
        document.body.dataset.state = "connected";
      });
    } else if (state === 5) {
      // DISCONNECTED without an error: the session ended normally.
      window.setTimeout(() => end(Code.SUCCESS, ""), 0);
    }
  };
  c.onerror = (status: any) => end(status.code, status.message || "");
  c.onrequired = (names: string[]) => {
    if (client === c) askCredentials(c, names);
  };
  // An error of the tunnel alone (no error instruction came first) means racd itself
  // could not be reached or the connection broke.
  tunnel.onerror = (status: any) => end(status.code, status.message || "", true);

  // The machine's clipboard, into the browser's where it allows.
  c.onclipboard = (stream: any, mimetype: string) => {
    if (!/^text\//.test(mimetype)) return;
    const reader = new (Guacamole as any).StringReader(stream);
    let text = "";
    reader.ontext = (t: string) => (text += t);
    reader.onend = () => {
      navigator.clipboard?.writeText(text).catch(() => undefined);
    };
  };

  const mouse = new (Guacamole as any).Mouse(display.getElement());
  mouse.onEach(["mousedown", "mousemove", "mouseup"], (e: any) => c.sendMouseState(e.state, true));
  // Touch: a machine that takes touch input says so ("multi-touch" on the default
  // layer: an RDP server with the touch input channel), and gets every contact as a
  // touch instruction; otherwise a finger is a mouse (tap to click, long press for
  // the right button, tap and drag to drag).
  let touches = 0;
  c.onmultitouch = (layer: any, n: number) => {
    if (layer === display.getDefaultLayer()) touches = n;
  };
  const touchscreen = new (Guacamole as any).Mouse.Touchscreen(display.getElement());
  touchscreen.onEach(["mousedown", "mousemove", "mouseup"], (e: any) => {
    if (!touches) c.sendMouseState(e.state, true);
  });
  const touch = new (Guacamole as any).Touch(display.getElement());
  touch.onEach(["touchmove", "touchend"], (e: any) => {
    if (touches) c.sendTouchState(e.state, true);
  });

  const size = screenSize();
  const params = new URLSearchParams({
    screen_width: String(size.width),
    screen_height: String(size.height),
    screen_dpi: String(size.dpi),
  });
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (tz) params.set("timezone", tz);
  c.connect(params.toString());
}

let lastWords = "";

function onEnd(code: number, message: string, tunnelOnly = false) {
  const c = client;
  client = null;
  closePrompt();
  try {
    c?.disconnect();
  } catch {
    // already closed
  }
  if (finished) return;
  let e = describe(code, message);
  let detail = message && message !== e.words ? message : "";
  if (tunnelOnly && e.retry) {
    // While racd restarts, its address refuses connections: it is still restarting.
    e = { words: lastWords === RESTARTING ? RESTARTING : "The server cannot be reached.", retry: true };
    detail = "";
  }
  lastWords = e.words;
  if (!e.retry || tries >= MAX_TRIES) {
    finished = true;
    document.body.dataset.ended = e.words;
    // Credentials the person typed were refused: another try asks again.
    const retype = prompted && code === Code.CLIENT_UNAUTHORIZED;
    if (retype) detail = "Reconnect to enter them again.";
    show(e.words, tries >= MAX_TRIES ? "racd gave up reconnecting." : detail, e.retry || code === Code.SUCCESS || retype);
    if (retype) retryButton.focus(); // the keyboard was in the prompt: Enter tries again
    return;
  }
  let left = delayOf(tries);
  tries++;
  const tick = () => show(e.words, `Reconnecting in ${left} s (attempt ${tries} of ${MAX_TRIES}).`);
  tick();
  countdown = window.setInterval(() => {
    left--;
    if (left <= 0) {
      connect();
    } else {
      tick();
    }
  }, 1000);
}

// Keyboard: the whole page is the remote keyboard, except the toolbar's buttons and
// the credentials prompt. A key is released on the machine only if it was pressed
// there.
const keyboard = new (Guacamole as any).Keyboard(document);
const pressed = new Set<number>();
keyboard.onkeydown = (keysym: number) => {
  if (!client || typing()) return true;
  pressed.add(keysym);
  client.sendKeyEvent(1, keysym);
  return false;
};
keyboard.onkeyup = (keysym: number) => {
  if (!pressed.delete(keysym)) return;
  if (client) client.sendKeyEvent(0, keysym);
};

// The browser's clipboard, to the machine: pasted text, and on focus where allowed.
document.addEventListener("paste", (ev: ClipboardEvent) => {
  if (!prompt.hidden) return; // pasted into the prompt: a credential, not the machine's clipboard
  const text = ev.clipboardData?.getData("text/plain");
  if (client && text) {
    sendText(client, text);
    ev.preventDefault();
  }
});
window.addEventListener("focus", () => {
  navigator.clipboard
    ?.readText()
    .then((text) => {
      if (client && text) sendText(client, text);
    })
    .catch(() => undefined);
});

// Resizing sends the new size and rescales.
let resizeTimer: number | undefined;
window.addEventListener("resize", () => {
  fit();
  window.clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => {
    const s = screenSize();
    if (client) client.sendSize(s.width, s.height);
  }, 250);
});

el<HTMLButtonElement>("fullscreen").addEventListener("click", () => {
  if (document.fullscreenElement) document.exitFullscreen().catch(() => undefined);
  else document.documentElement.requestFullscreen().catch(() => undefined);
});
el<HTMLButtonElement>("cad").addEventListener("click", () => {
  if (!client) return;
  const keys = [0xffe3, 0xffe9, 0xffff]; // Control_L, Alt_L, Delete
  keys.forEach((k) => client.sendKeyEvent(1, k));
  keys.reverse().forEach((k) => client.sendKeyEvent(0, k));
  displayHost.focus();
});
// disconnect ends the session at the person's request.
function disconnect() {
  finished = true;
  window.clearInterval(countdown);
  const c = client;
  client = null;
  c?.disconnect();
  show("Disconnected.", "You ended the session.", true);
}

el<HTMLButtonElement>("disconnect").addEventListener("click", disconnect);
retryButton.addEventListener("click", () => {
  finished = false;
  tries = 0;
  connect();
});
window.addEventListener("beforeunload", () => client?.disconnect());

connect();
