// <newsaudio-player>: the article page's player for newsaudio episodes, with read-along.
// A plain ES module (no framework, no iframe); its CSS lives in the shadow root. Embedding:
//   <script type="module" src="https://audio.example.de/player/newsaudio-player.js"></script>
//   <newsaudio-player><audio controls preload="none" src="..."></audio></newsaudio-player>
// Before the listener presses play only the small per-article JSON is fetched.

// The path of the per-article JSON: the same algorithm as web/article_paths.py, run on the URL
// as written (a browser's URL parser would normalise it differently from Python's).
const BAD_HOST = /[^A-Za-z0-9._~-]/gu;
const BAD_PATH = /[^A-Za-z0-9._~/-]/gu;
const lowerAscii = (s) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

export function articlePath(url) {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/.exec(
    String(url).replace(/^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g, "").replace(/[\t\n\r]/g, ""));
  if (!m) return null;
  let hp = m[2].slice(m[2].lastIndexOf("@") + 1), host = hp, port = "";
  if (hp.startsWith("[")) {
    const end = hp.indexOf("]");
    if (end >= 0) { host = hp.slice(0, end + 1); const rest = hp.slice(end + 1); port = rest.startsWith(":") ? rest.slice(1) : ""; }
  } else {
    const i = hp.lastIndexOf(":");
    if (i >= 0 && /^[0-9]*$/.test(hp.slice(i + 1))) { host = hp.slice(0, i); port = hp.slice(i + 1); }
  }
  host = lowerAscii(host);
  if (!host) return null;
  port = port.replace(/^0+/, "") || (port ? "0" : "");
  if (port && port !== { http: "80", https: "443" }[lowerAscii(m[1])]) host += "_" + port;
  host = host.replace(BAD_HOST, "_");
  if (host === "." || host === "..") host = "_";
  let path = m[3].startsWith("/") ? m[3].slice(1) : m[3];
  if (path === "" || path.endsWith("/")) path += "index";
  path = path.replace(BAD_PATH, "_").slice(0, 200).split("/")
    .map((s) => (s === "" || s === "." || s === ".." ? "_" : s)).join("/");
  return `articles/${host}/${path}.json`;
}

export function guidPath(guid) {
  return guid ? `articles/guid/${String(guid).replace(BAD_HOST, "_").slice(0, 200)}.json` : null;
}

// Text compared between the page and the spoken paragraphs: letters and digits only.
export const norm = (s) => (s || "").normalize("NFC").toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");

const SPEEDS = [0.75, 1, 1.25, 1.5, 1.75, 2];
const KEY = "newsaudio:";
const L10N = {
  de: {
    player: "Artikel anhören", play: "Abspielen", pause: "Pause", back: "15 Sekunden zurück",
    fwd: "30 Sekunden vor", prev: "Vorheriger Absatz", next: "Nächster Absatz", seek: "Position",
    of: "von", speed: "Wiedergabegeschwindigkeit", chapters: "Kapitel", download: "MP3 herunterladen",
    error: "Audio nicht verfügbar", dec: ",", ai: "KI-Stimme", aiLong: "Gelesen von einer künstlichen Stimme",
    fallback: "Ersatzstimme",
  },
  en: {
    player: "Listen to this article", play: "Play", pause: "Pause", back: "Back 15 seconds",
    fwd: "Forward 30 seconds", prev: "Previous paragraph", next: "Next paragraph", seek: "Position",
    of: "of", speed: "Playback speed", chapters: "Chapters", download: "Download MP3",
    error: "Audio not available", dec: ".", ai: "AI voice", aiLong: "Read by a synthetic voice",
    fallback: "fallback voice",
  },
};

const store = {
  get(k) { try { return localStorage.getItem(KEY + k); } catch { return null; } },
  set(k, v) { try { localStorage.setItem(KEY + k, v); } catch { /* private mode: not remembered */ } },
};

export function clock(s) {
  s = Math.max(0, Math.floor(s || 0));
  const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, sec = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

const ICON = {
  play: "M8 5v14l11-7z", pause: "M6 5h4v14H6zm8 0h4v14h-4z",
  prev: "M6 6h2v12H6zm3.5 6 8.5 6V6z", next: "M6 18l8.5-6L6 6zm10-12h2v12h-2z",
};
const svg = (d) => `<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="${d}"/></svg>`;

const CSS = `
:host{--_fg:var(--newsaudio-fg,#1a1a1a);--_bg:var(--newsaudio-bg,#f4f4f2);--_ac:var(--newsaudio-accent,#0b57a4);
--_on:var(--newsaudio-on-accent,#fff);--_mu:var(--newsaudio-muted,#555);--_fo:var(--newsaudio-focus,#b3006b);
display:block;margin:var(--newsaudio-margin,1em 0);font:var(--newsaudio-font,15px/1.4 system-ui,sans-serif);color:var(--_fg)}
@media (prefers-color-scheme:dark){:host{--_fg:var(--newsaudio-fg,#ececec);--_bg:var(--newsaudio-bg,#1f2328);
--_ac:var(--newsaudio-accent,#7cb7ff);--_on:var(--newsaudio-on-accent,#0b1220);--_mu:var(--newsaudio-muted,#b8b8b8);--_fo:var(--newsaudio-focus,#ffb86b)}}
[hidden]{display:none!important}
.p{background:var(--_bg);border-radius:var(--newsaudio-radius,10px);padding:.6em .75em;display:flex;flex-wrap:wrap;align-items:center;gap:.4em .5em}
.t{flex:1 0 100%;margin:0;font-weight:600;font-size:.95em;overflow-wrap:anywhere}
.ai{font-size:.75em;font-weight:600;padding:0 .4em;border:1px solid var(--_mu);border-radius:.6em;color:var(--_fg);
white-space:nowrap}.ai:focus::after,.ai:hover::after{content:" · " attr(data-v);font-weight:400}
button,select,summary,a{font:inherit;color:var(--_fg);min-height:2.2em;min-width:2.2em;border-radius:6px}
button,select{background:transparent;border:1px solid var(--_mu);cursor:pointer;padding:0 .4em}
button svg{width:1.3em;height:1.3em;fill:currentColor;vertical-align:middle}
.pl{background:var(--_ac);color:var(--_on);border-color:var(--_ac);min-width:2.8em;min-height:2.8em;border-radius:50%}
.s{flex:1 1 8em;accent-color:var(--_ac);min-width:6em;height:2em;margin:0}
.tm{font-variant-numeric:tabular-nums;color:var(--_mu);white-space:nowrap}
select{background:var(--_bg)}
details{position:relative}
summary{display:inline-flex;align-items:center;padding:0 .5em;border:1px solid var(--_mu);cursor:pointer}
ol{position:absolute;right:0;z-index:10;margin:.3em 0;padding:.3em;list-style:none;background:var(--_bg);border:1px solid var(--_mu);border-radius:6px;min-width:14em;max-height:18em;overflow:auto}
ol button{width:100%;text-align:left;border:0;padding:.3em .5em}
ol button[aria-current]{font-weight:700;color:var(--_ac)}
a{display:inline-flex;align-items:center;padding:0 .3em;text-decoration:underline}
.e{color:var(--_fg)}
:focus-visible{outline:3px solid var(--_fo);outline-offset:2px}
@media (prefers-reduced-motion:no-preference){button{transition:background-color .15s}}
`;

// Read-along marks on the page itself: outline and background only, never a layout shift.
const PAGE_CSS = `
[data-newsaudio-p]{cursor:pointer}
[data-newsaudio-current]{outline:2px solid var(--newsaudio-highlight,#e0a800);outline-offset:3px;
background:var(--newsaudio-highlight-bg,rgba(255,213,79,.25));border-radius:2px}
@media (prefers-color-scheme:dark){[data-newsaudio-current]{background:var(--newsaudio-highlight-bg,rgba(255,213,79,.16))}}
@media (prefers-reduced-motion:no-preference){[data-newsaudio-p]{transition:background-color .2s}}
`;
let pageStyled = false;

class NewsaudioPlayer extends HTMLElement {
  connectedCallback() {
    if (this.shadowRoot) { if (this.onOther) document.addEventListener("newsaudio-play", this.onOther); return; }
    this.t = L10N[this.getAttribute("lang") === "en" ? "en" : "de"];
    this.sent = new Set();
    this.marks = null;
    this.cur = -1;
    const root = this.attachShadow({ mode: "open" });
    root.innerHTML = `<style>${CSS}</style><slot></slot>`;
    // The fallback <audio controls> stays usable until the episode is found.
    this.load().catch(() => { this.fail(); });
  }

  disconnectedCallback() {
    this.savePos();
    document.removeEventListener("newsaudio-play", this.onOther);
  }

  get audio() { return this.a; }
  get paragraphs() { return this.d ? this.d.paragraphs || [] : []; }
  get readAlong() { return !!this.marks; }

  // Before the episode is found the fallback <audio> (the slot) shows; after, a message.
  fail() {
    const e = this.shadowRoot.querySelector(".e");
    if (e) e.hidden = false;
  }

  async load() {
    const base = new URL(this.getAttribute("base") || new URL("../", import.meta.url), location.href);
    const guid = this.getAttribute("guid");
    const link = document.querySelector('link[rel="canonical"]');
    const og = document.querySelector('meta[property="og:url"]');
    const url = this.getAttribute("src-url") || this.getAttribute("article")
      || (link && link.getAttribute("href")) || (og && og.getAttribute("content")) || "";
    const edge = /^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g, u = url.replace(edge, "");
    let d = null;
    // By the page's URL first, then by GUID; a file for another article (a cut-off path, a stale
    // copy) counts as not found.
    for (const path of [u && articlePath(u), guidPath(guid)]) {
      if (!path || d) continue;
      const res = await fetch(new URL(path, base), { credentials: "omit" });
      const j = res.ok ? await res.json() : null;
      if (j && j.schema === 1 && (!guid || j.guid === guid)
        && (!u || [j.canonical_url, j.url].includes(u) || path === guidPath(guid))) d = j;
    }
    if (!d) throw new Error("not found");
    this.d = d;
    this.events = new URL("events", base);
    this.render();
    this.match();
    this.send("loaded");
  }

  render() {
    const { t, d } = this;
    const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    const rate = this.speed();
    const chapters = (d.chapters || []).map((c, i) =>
      `<li><button type="button" data-i="${i}">${esc(c.title)} <span class="tm">${clock(c.start_s)}</span></button></li>`).join("");
    const fmt = (v) => String(v).replace(".", t.dec) + "×";
    // The disclosure every listener sees (EU AI Act Art. 50): which voice, on hover and focus.
    const v = d.voice || {}, who = v.name ? `${v.name}${v.is_fallback ? ` (${t.fallback})` : ""}` : "";
    const ai = d.synthetic ? ` <span class="ai" role="note" tabindex="0" data-v="${esc(who)}" title="${esc(who)}"
aria-label="${esc(who ? `${t.aiLong}: ${who}` : t.aiLong)}">${t.ai}</span>` : "";
    this.shadowRoot.innerHTML = `<style>${CSS}</style>
<div class="p" role="region" aria-label="${esc(`${t.player}: ${d.title}`)}">
<p class="t">${esc(d.title)}</p>${ai}
<button type="button" class="pl" aria-label="${t.play}">${svg(ICON.play)}</button>
<button type="button" class="pv" aria-label="${t.prev}">${svg(ICON.prev)}</button>
<button type="button" class="bk" aria-label="${t.back}">−15</button>
<button type="button" class="fw" aria-label="${t.fwd}">+30</button>
<button type="button" class="nx" aria-label="${t.next}">${svg(ICON.next)}</button>
<input class="s" type="range" min="0" max="${d.audio.duration_s}" step="1" value="0" aria-label="${t.seek}">
<span class="tm"><span class="el">0:00</span> / <span>${clock(d.audio.duration_s)}</span></span>
<select class="sp" aria-label="${t.speed}">${SPEEDS.map((v) =>
  `<option value="${v}"${v === rate ? " selected" : ""}>${fmt(v)}</option>`).join("")}</select>
${chapters ? `<details><summary>${t.chapters}</summary><ol>${chapters}</ol></details>` : ""}
<a href="${esc(d.audio.url)}" download>${t.download}</a>
<p class="e" role="alert" hidden>${t.error}</p>
<audio preload="none" src="${esc(d.audio.url)}"></audio></div>`;
    const $ = (s) => this.shadowRoot.querySelector(s);
    const a = this.a = $("audio");
    this.seekbar = $(".s");
    a.playbackRate = a.defaultPlaybackRate = rate;
    a.addEventListener("loadedmetadata", () => {
      // A position set before any data may be dropped: apply it again now.
      if (this.want != null) { a.currentTime = this.want; this.want = null; }
    });
    const resume = parseFloat(store.get("pos:" + d.guid)) || 0;
    if (resume > 0 && resume < d.audio.duration_s - 5) this.seek(resume);
    const fb = this.querySelector("audio");
    if (fb) fb.pause();
    $(".pl").onclick = () => this.toggle();
    $(".bk").onclick = () => this.seek(this.time() - 15);
    $(".fw").onclick = () => this.seek(this.time() + 30);
    $(".pv").onclick = () => this.prev();
    $(".nx").onclick = () => this.next();
    this.seekbar.oninput = () => this.seek(+this.seekbar.value);
    this.seekbar.onkeydown = (e) => {
      const step = { ArrowRight: 5, ArrowUp: 5, ArrowLeft: -5, ArrowDown: -5 }[e.key];
      if (step) { e.preventDefault(); this.seek(this.time() + step); }
    };
    $(".sp").onchange = (e) => this.setSpeed(+e.target.value);
    const det = $("details");
    if (det) {
      det.querySelector("ol").onclick = (e) => {
        const b = e.target.closest("button");
        if (!b) return;
        this.seek(d.chapters[+b.dataset.i].start_s);
        this.play();
        det.open = false;
        det.querySelector("summary").focus();
      };
      det.onkeydown = (e) => { if (e.key === "Escape" && det.open) { det.open = false; det.querySelector("summary").focus(); } };
    }
    this.onOther = (e) => { if (e.detail !== this) a.pause(); };
    document.addEventListener("newsaudio-play", this.onOther);
    a.addEventListener("play", () => {
      document.dispatchEvent(new CustomEvent("newsaudio-play", { detail: this }));
      this.playing(true);
      this.send("play");
      this.session();
    });
    a.addEventListener("pause", () => { this.playing(false); this.savePos(); });
    a.addEventListener("timeupdate", () => this.tick());
    a.addEventListener("seeked", () => { this.tick(); this.savePos(); });
    addEventListener("pagehide", () => this.savePos());
    a.addEventListener("ratechange", () => { $(".sp").value = String(a.playbackRate); });
    a.addEventListener("ended", () => {
      this.send("complete");
      store.set("pos:" + d.guid, "0");
      this.mark(-1);
    });
    a.addEventListener("error", () => this.fail());
  }

  time() { return this.a.currentTime; }

  seek(s) {
    const dur = this.a.duration || this.d.audio.duration_s;
    s = Math.min(Math.max(0, s), dur);
    if (this.a.readyState === 0) this.want = s;
    this.a.currentTime = s;
    this.show(s);
  }

  play() { return this.a.play().catch(() => {}); }
  toggle() { return this.a.paused ? this.play() : this.a.pause(); }

  // The paragraph being heard at time s: the last one that has started.
  at(s) {
    let k = -1;
    this.paragraphs.forEach((p, i) => { if (p.start_s <= s + 0.05) k = i; });
    return k;
  }

  prev() {
    const ps = this.paragraphs, k = this.at(this.time());
    // Well into a paragraph, "previous" first goes back to its own start (as music players do).
    const to = k >= 0 && this.time() - ps[k].start_s > 2 ? k : k - 1;
    this.seek(to >= 0 ? ps[to].start_s : 0);
  }

  next() {
    const ps = this.paragraphs, k = this.at(this.time());
    if (k + 1 < ps.length) this.seek(ps[k + 1].start_s);
  }

  speed() {
    const v = parseFloat(store.get("speed"));
    return SPEEDS.includes(v) ? v : 1;
  }

  setSpeed(v) {
    this.a.playbackRate = this.a.defaultPlaybackRate = v;
    store.set("speed", String(v));
    this.send("speed", v);
  }

  playing(on) {
    const b = this.shadowRoot.querySelector(".pl");
    b.setAttribute("aria-label", on ? this.t.pause : this.t.play);
    b.innerHTML = svg(on ? ICON.pause : ICON.play);
  }

  show(s) {
    const dur = this.a.duration || this.d.audio.duration_s;
    this.seekbar.value = s;
    this.seekbar.setAttribute("aria-valuetext", `${clock(s)} ${this.t.of} ${clock(dur)}`);
    this.shadowRoot.querySelector(".el").textContent = clock(s);
  }

  tick() {
    const s = this.time(), dur = this.a.duration || this.d.audio.duration_s;
    this.show(s);
    if (!this.a.paused || s > 0) this.mark(this.at(s));
    for (const q of [25, 50, 75]) if (!this.a.paused && s >= dur * q / 100) this.send("progress" + q);
    if (Date.now() - (this.saved || 0) > 2000) this.savePos();  // while playing: now and then
  }

  savePos() {
    if (this.a && this.d && !this.a.ended && this.time() > 0) {
      this.saved = Date.now();
      store.set("pos:" + this.d.guid, String(Math.floor(this.time())));
    }
  }

  // Read-along: pair the spoken paragraphs with the page's, in order. The title may be missing
  // from the page; any other spoken paragraph not found means the page differs from what was
  // spoken (edited page, stale audio), and read-along stays off rather than mark wrong text.
  match() {
    const sel = this.getAttribute("article-selector");
    let cands = [...document.querySelectorAll("[data-newsaudio-paragraph]")];
    if (!cands.length && sel) {
      const box = document.querySelector(sel);
      if (box) cands = [...box.querySelectorAll("h1,h2,h3,h4,h5,h6,p,li,blockquote")];
    }
    const texts = cands.map((el) => norm(el.textContent));
    const marks = [];
    let j = 0;
    for (const p of this.paragraphs) {
      const want = norm(p.text);
      let k = j;
      while (k < cands.length && texts[k] !== want) k++;
      if (k < cands.length && want) { marks.push(cands[k]); j = k + 1; } else if (p.kind === "title") marks.push(null);
      else return;
    }
    if (!marks.some(Boolean)) return;
    this.marks = marks;
    if (!pageStyled) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(PAGE_CSS);
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
      pageStyled = true;
    }
    marks.forEach((el, i) => {
      if (!el) return;
      el.setAttribute("data-newsaudio-p", i);
      el.addEventListener("click", (e) => {
        // A link (or control) inside the paragraph keeps its own meaning; so does selecting text.
        if (e.target.closest("a,button,input,select,textarea,summary,label")) return;
        const selection = getSelection();
        if (selection && !selection.isCollapsed && el.contains(selection.anchorNode)) return;
        this.seek(this.paragraphs[i].start_s);
        this.play();
      });
    });
  }

  mark(k) {
    if (!this.marks || k === this.cur) return;
    const old = this.marks[this.cur], el = this.marks[k];
    if (old) old.removeAttribute("data-newsaudio-current");
    if (el) el.setAttribute("data-newsaudio-current", "");
    this.cur = k;
  }

  session() {
    const ms = navigator.mediaSession;
    if (!ms || !window.MediaMetadata) return;
    const d = this.d;
    ms.metadata = new MediaMetadata({
      title: d.title, artist: (d.feed && d.feed.title) || "", album: (d.feed && d.feed.title) || "",
      artwork: d.image ? [{ src: d.image }] : [],
    });
    const on = (name, fn) => { try { ms.setActionHandler(name, fn); } catch { /* not supported here */ } };
    on("play", () => this.play());
    on("pause", () => this.a.pause());
    on("seekbackward", (e) => this.seek(this.time() - (e.seekOffset || 15)));
    on("seekforward", (e) => this.seek(this.time() + (e.seekOffset || 30)));
    on("seekto", (e) => this.seek(e.seekTime));
    on("previoustrack", () => this.prev());
    on("nexttrack", () => this.next());
  }

  // Anonymous listening numbers: which event, for which episode; nothing about the listener.
  send(event, value) {
    if (this.hasAttribute("no-stats") || !this.events) return;
    if (event !== "speed") { if (this.sent.has(event)) return; this.sent.add(event); }
    const body = JSON.stringify({ guid: this.d.guid, version: this.d.version, event, value });
    try {
      if (navigator.sendBeacon && navigator.sendBeacon(this.events, body)) return;
      fetch(this.events, { method: "POST", body, keepalive: true, credentials: "omit" }).catch(() => {});
    } catch { /* statistics never break playback */ }
  }
}

if (!customElements.get("newsaudio-player")) customElements.define("newsaudio-player", NewsaudioPlayer);
