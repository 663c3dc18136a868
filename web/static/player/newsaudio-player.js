// <newsaudio-player>: the article page's player for newsaudio episodes, with read-along.
// A plain ES module (no framework, no iframe); its CSS lives in the shadow root. Embedding:
//   <script type="module" src="https://audio.example.de/player/newsaudio-player.js"></script>
//   <newsaudio-player><audio controls preload="none" src="..."></audio></newsaudio-player>
// Before the listener presses play only the small per-article JSON is fetched. No inline
// script or style anywhere (CSS via constructable sheets, positions via CSSOM): a page's strict
// Content-Security-Policy (script-src/style-src 'self') runs it unchanged.

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

const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5, 3];
const KEY = "newsaudio:";
const L10N = {
  de: {
    player: "Artikel anhören", play: "Abspielen", pause: "Pause", back: "15 Sekunden zurück",
    fwd: "30 Sekunden vor", prev: "Vorheriger Absatz", next: "Nächster Absatz", seek: "Position",
    of: "von", speed: "Wiedergabegeschwindigkeit", chapters: "Kapitel", download: "MP3 herunterladen",
    error: "Audio nicht verfügbar", dec: ",", ai: "KI-Stimme", aiLong: "Gelesen von einer künstlichen Stimme",
    fallback: "Ersatzstimme", share: "Link zur Stelle kopieren", link: "Link zur Stelle", copied: "Link kopiert",
    select: "Link markiert: mit Strg+C kopieren", tr: "Transkript", find: "Im Transkript suchen",
    hits: "Treffer", auto: "Danach nächsten Artikel abspielen", now: "Jetzt", close: "Mini-Player schließen",
    mini: "Mini-Player",
  },
  en: {
    player: "Listen to this article", play: "Play", pause: "Pause", back: "Back 15 seconds",
    fwd: "Forward 30 seconds", prev: "Previous paragraph", next: "Next paragraph", seek: "Position",
    of: "of", speed: "Playback speed", chapters: "Chapters", download: "Download MP3",
    error: "Audio not available", dec: ".", ai: "AI voice", aiLong: "Read by a synthetic voice",
    fallback: "fallback voice", share: "Copy link to this moment", link: "Link to this moment",
    copied: "Link copied", select: "Link selected: press Ctrl+C to copy", tr: "Transcript",
    find: "Search the transcript", hits: "matches", auto: "Then play the next article", now: "Now playing",
    close: "Close mini player", mini: "Mini player",
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

// A share link's start: "#t=83", "#t=1:23", "#t=1:02:03" (also "83s", or among other "&" parts).
export function hashTime(h) {
  const m = /(?:^#|&)t=(\d+(?::\d+){0,2}(?:\.\d+)?)s?(?:&|$)/.exec(h || "");
  return m ? m[1].split(":").reduce((a, x) => a * 60 + +x, 0) : null;
}

const ICON = {
  play: "M8 5v14l11-7z", pause: "M6 5h4v14H6zm8 0h4v14h-4z",
  prev: "M6 6h2v12H6zm3.5 6 8.5 6V6z", next: "M6 18l8.5-6L6 6zm10-12h2v12h-2z",
};
const svg = (d) => `<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="${d}"/></svg>`;
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const sp = (s) => String(s || "").replace(/\s+/g, " ").trim();
// The last item (paragraph, sentence, chapter) that has started at time s.
const last = (list, s) => { let k = -1; list.forEach((x, i) => { if (x.start_s <= s + 0.05) k = i; }); return k; };
const getJSON = async (u) => { const r = await fetch(u, { credentials: "omit" }); return r.ok ? r.json() : null; };

const CSS = `
:host{--_fg:var(--newsaudio-fg,#1a1a1a);--_bg:var(--newsaudio-bg,#f4f4f2);--_ac:var(--newsaudio-accent,#0b57a4);
--_on:var(--newsaudio-on-accent,#fff);--_mu:var(--newsaudio-muted,#555);--_fo:var(--newsaudio-focus,#b3006b);
display:block;margin:var(--newsaudio-margin,1em 0);font:var(--newsaudio-font,15px/1.4 system-ui,sans-serif);color:var(--_fg)}
@media (prefers-color-scheme:dark){:host{--_fg:var(--newsaudio-fg,#ececec);--_bg:var(--newsaudio-bg,#1f2328);
--_ac:var(--newsaudio-accent,#7cb7ff);--_on:var(--newsaudio-on-accent,#0b1220);--_mu:var(--newsaudio-muted,#b8b8b8);--_fo:var(--newsaudio-focus,#ffb86b)}}
[hidden]{display:none!important}
.p,.br{background:var(--_bg);border-radius:var(--newsaudio-radius,10px);padding:.6em .75em;display:flex;flex-wrap:wrap;align-items:center;gap:.4em .5em}
.t{flex:1 0 100%;margin:0;font-weight:600;font-size:.95em;overflow-wrap:anywhere}
.ai{font-size:.75em;font-weight:600;padding:0 .4em;border:1px solid var(--_mu);border-radius:.6em;color:var(--_fg);
white-space:nowrap}.ai:focus::after,.ai:hover::after{content:" · " attr(data-v);font-weight:400}
button,select,summary,a,input{font:inherit;color:var(--_fg);min-height:2.2em;min-width:2.2em;border-radius:6px}
button,select{background:transparent;border:1px solid var(--_mu);cursor:pointer;padding:0 .4em}
button svg{width:1.3em;height:1.3em;fill:currentColor;vertical-align:middle}
.pl,.bp{background:var(--_ac);color:var(--_on);border-color:var(--_ac);min-width:2.8em;min-height:2.8em;border-radius:50%}
.sk{flex:1 1 8em;min-width:6em;position:relative;display:flex}
.s{flex:1;accent-color:var(--_ac);height:2em;margin:0}
.tk i{position:absolute;bottom:0;width:2px;height:.6em;background:var(--_mu);pointer-events:none}
.tk i.on{background:var(--_ac);width:4px;height:.8em}
.tm{font-variant-numeric:tabular-nums;color:var(--_mu);white-space:nowrap}
select,input{background:var(--_bg)}
input[type=search],.lk{border:1px solid var(--_mu);padding:0 .4em;flex:1 1 12em;min-width:0}
details{position:relative}
summary{display:inline-flex;align-items:center;padding:0 .5em;border:1px solid var(--_mu);cursor:pointer}
.cm{position:absolute;right:0;z-index:10;margin:.3em 0;padding:.3em;list-style:none;background:var(--_bg);border:1px solid var(--_mu);border-radius:6px;min-width:14em;max-height:18em;overflow:auto}
.cm button,.tl button{width:100%;text-align:left;border:0;padding:.3em .5em}
.cm button[aria-current]{font-weight:700;color:var(--_ac)}
a{display:inline-flex;align-items:center;padding:0 .3em;text-decoration:underline}
label{display:inline-flex;align-items:center;gap:.3em;min-height:2.2em}label input{min-height:0;min-width:1.2em;accent-color:var(--_ac)}
.e,.st{color:var(--_fg);margin:0}
.tx{flex:1 0 100%;display:flex;flex-wrap:wrap;gap:.4em;align-items:center}
.tl{flex:1 0 100%;max-height:20em;overflow:auto;border-top:1px solid var(--_mu)}
.tl .np{margin-top:.6em}
.tl button[aria-current]{background:var(--_ac);color:var(--_on)}
mark{background:#ffd54f;color:#1a1a1a}
.br{position:fixed;left:0;right:0;bottom:0;z-index:2147483000;margin:0;border-radius:0;flex-wrap:nowrap;box-shadow:0 -1px 6px #0006}
.bn{flex:1;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
:focus-visible{outline:3px solid var(--_fo);outline-offset:2px}
@media (prefers-reduced-motion:no-preference){button{transition:background-color .15s}}
`;

// Read-along marks on the page itself: outline and background only, never a layout shift.
const PAGE_CSS = `
[data-newsaudio-p]{cursor:pointer}
[data-newsaudio-current]{outline:2px solid var(--newsaudio-highlight,#e0a800);outline-offset:3px;
background:var(--newsaudio-highlight-bg,rgba(255,213,79,.25));border-radius:2px}
[data-newsaudio-sentence]{background:var(--newsaudio-sentence-bg,rgba(255,213,79,.6))}
@media (prefers-color-scheme:dark){[data-newsaudio-current]{background:var(--newsaudio-highlight-bg,rgba(255,213,79,.16))}
[data-newsaudio-sentence]{background:var(--newsaudio-sentence-bg,rgba(255,213,79,.3))}}
@media (prefers-reduced-motion:no-preference){[data-newsaudio-p]{transition:background-color .2s}}
`;
// Constructable sheets, made once and shared (a page's CSP style-src does not apply to them);
// a <style> element only in browsers without them (Safari before 16.4).
const sheets = new Map();
function adopt(root, css) {
  if (!root.adoptedStyleSheets) { const s = document.createElement("style"); s.textContent = css; (root.head || root).append(s); return; }
  let x = sheets.get(css);
  if (!x) { x = new CSSStyleSheet(); x.replaceSync(css); sheets.set(css, x); }
  if (!root.adoptedStyleSheets.includes(x)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, x];
}

// Wrap each spoken sentence of paragraph element `el` in <span data-newsaudio-s>, only when the
// element's text (spaces collapsed) is exactly the sentences joined by spaces; else null (the
// paragraph keeps its own highlight). A sentence across a link becomes one span per text node.
export function wrapSentences(el, sents) {
  const raw = el.textContent, map = [];
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const w = /\s/.test(raw[i]);
    if (w && (!out || out.endsWith(" "))) continue;
    out += w ? " " : raw[i];
    map.push(i);
  }
  if (out.endsWith(" ")) { out = out.slice(0, -1); map.pop(); }
  const texts = sents.map((x) => sp(x.text));
  if (!texts.length || out !== texts.join(" ")) return null;
  let c = 0;
  const ranges = texts.map((x) => { const a = c; c += x.length + 1; return [map[a], map[c - 2] + 1]; });
  const spans = texts.map(() => []), nodes = [], walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) nodes.push(walk.currentNode);
  let at = 0;
  for (const n of nodes) {
    const from = at;
    at += n.data.length;
    // From the end of the node backwards: wrapping a piece leaves the offsets before it as they were.
    for (let k = ranges.length - 1; k >= 0; k--) {
      const x = Math.max(ranges[k][0], from), y = Math.min(ranges[k][1], at);
      if (x >= y) continue;
      const r = document.createRange(), s = document.createElement("span");
      r.setStart(n, x - from);
      r.setEnd(n, y - from);
      s.setAttribute("data-newsaudio-s", k);
      r.surroundContents(s);
      spans[k].unshift(s);
    }
  }
  return spans;
}

class NewsaudioPlayer extends HTMLElement {
  connectedCallback() {
    if (this.shadowRoot) { if (this.onOther) document.addEventListener("newsaudio-play", this.onOther); return; }
    this.t = L10N[this.getAttribute("lang") === "en" ? "en" : "de"];
    this.sent = new Set();
    this.marks = null;
    this.cur = -1;
    this.link = location.href.split("#")[0];
    const root = this.attachShadow({ mode: "open" });
    root.innerHTML = "<slot></slot>";
    adopt(root, CSS);
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
    const e = this.$(".e");
    if (e) e.hidden = false;
  }

  $(s) { return this.shadowRoot.querySelector(s); }

  async load() {
    const base = this.base = new URL(this.getAttribute("base") || new URL("../", import.meta.url), location.href);
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
      const j = await getJSON(new URL(path, base));
      if (j && j.schema === 1 && (!guid || j.guid === guid)
        && (!u || [j.canonical_url, j.url].includes(u) || path === guidPath(guid))) d = j;
    }
    if (!d) throw new Error("not found");
    this.d = d;
    this.events = new URL("events", base);
    this.render();
    // A share link's time (#t=) wins over the remembered position; it applies on first play.
    const h = hashTime(location.hash);
    if (h != null && h < d.audio.duration_s) this.seek(h);
    addEventListener("hashchange", () => { const s = hashTime(location.hash); if (s != null) this.seek(s); });
    addEventListener("pagehide", () => this.savePos());
    // The compact bar shows while the player itself is scrolled out of view (once started).
    if (window.IntersectionObserver) new IntersectionObserver(([e]) => { this.away = !e.isIntersecting; this.bar(); }).observe(this);
    this.match();
    this.send("loaded");
  }

  render() {
    const { t, d } = this;
    const rate = this.speed(), dur = d.audio.duration_s;
    const chapters = (d.chapters || []).map((c, i) =>
      `<li><button type="button" data-i="${i}">${esc(c.title)} <span class="tm">${clock(c.start_s)}</span></button></li>`).join("");
    const fmt = (v) => String(v).replace(".", t.dec) + "×";
    // The disclosure every listener sees (EU AI Act Art. 50): which voice, on hover and focus.
    const v = d.voice || {}, who = v.name ? `${v.name}${v.is_fallback ? ` (${t.fallback})` : ""}` : "";
    const ai = d.synthetic ? ` <span class="ai" role="note" tabindex="0" data-v="${esc(who)}" title="${esc(who)}"
aria-label="${esc(who ? `${t.aiLong}: ${who}` : t.aiLong)}">${t.ai}</span>` : "";
    const hasTr = (d.transcripts && d.transcripts.json) || this.paragraphs.length;
    this.shadowRoot.innerHTML = `
<div class="p" role="region" aria-label="${esc(`${t.player}: ${d.title}`)}">
<p class="t">${esc(d.title)}</p>${ai}
<button type="button" class="pl" aria-label="${t.play}">${svg(ICON.play)}</button>
<button type="button" class="pv" aria-label="${t.prev}">${svg(ICON.prev)}</button>
<button type="button" class="bk" aria-label="${t.back}">−15</button>
<button type="button" class="fw" aria-label="${t.fwd}">+30</button>
<button type="button" class="nx" aria-label="${t.next}">${svg(ICON.next)}</button>
<div class="sk"><input class="s" type="range" min="0" max="${dur}" step="1" value="0" aria-label="${t.seek}"><span class="tk" aria-hidden="true"></span></div>
<span class="tm"><span class="el">0:00</span> / <span>${clock(dur)}</span></span>
<select class="sp" aria-label="${t.speed}">${SPEEDS.map((v) =>
  `<option value="${v}"${v === rate ? " selected" : ""}>${fmt(v)}</option>`).join("")}</select>
${chapters ? `<details><summary>${t.chapters}</summary><ol class="cm">${chapters}</ol></details>` : ""}
<button type="button" class="sh" aria-label="${t.share}" title="${t.share}">Link</button>
<a href="${esc(d.audio.url)}" download>${t.download}</a>
${hasTr ? `<button type="button" class="tb" aria-expanded="false" aria-controls="tx">${t.tr}</button>` : ""}
<label><input type="checkbox" class="au"${store.get("autonext") === "1" ? " checked" : ""}>${t.auto}</label>
<input class="lk" readonly aria-label="${t.link}" hidden>
<p class="st" role="status"></p>
<div class="tx" id="tx" hidden><input type="search" class="q" aria-label="${t.find}" placeholder="${t.find}">
<span class="qn" role="status"></span><div class="tl"></div></div>
<p class="e" role="alert" hidden>${t.error}</p>
<audio preload="none" src="${esc(d.audio.url)}"></audio></div>
<div class="br" role="region" aria-label="${esc(`${t.mini}: ${d.title}`)}" hidden>
<button type="button" class="bp" aria-label="${t.play}">${svg(ICON.play)}</button>
<span class="tm"><span class="be">0:00</span> / ${clock(dur)}</span><span class="bn">${esc(d.title)}</span>
<button type="button" class="bx" aria-label="${t.close}">✕</button></div>`;
    adopt(this.shadowRoot, CSS);  // (again only where it is a <style> that innerHTML replaced)
    const $ = (s) => this.$(s);
    const a = this.a = $("audio");
    this.seekbar = $(".s");
    this.chap = -2;
    this.sents = null;
    this.tcur = -1;
    // Chapter starts as ticks on the seek bar (positions set through the CSSOM: CSP-safe).
    for (const c of d.chapters || []) {
      const i = document.createElement("i");
      i.style.left = `${(100 * c.start_s) / dur}%`;
      $(".tk").append(i);
    }
    this.show(0);
    a.playbackRate = a.defaultPlaybackRate = rate;
    a.addEventListener("loadedmetadata", () => {
      // A position set before any data may be dropped: apply it again now.
      if (this.want != null) { a.currentTime = this.want; this.want = null; }
    });
    const resume = parseFloat(store.get("pos:" + d.guid)) || 0;
    if (resume > 0 && resume < dur - 5) this.seek(resume);
    const fb = this.querySelector("audio");
    if (fb) fb.pause();
    $(".pl").onclick = $(".bp").onclick = () => this.toggle();
    $(".bk").onclick = () => this.seek(this.time() - 15);
    $(".fw").onclick = () => this.seek(this.time() + 30);
    $(".pv").onclick = () => this.prev();
    $(".nx").onclick = () => this.next();
    $(".sh").onclick = () => this.share();
    $(".au").onchange = (e) => store.set("autonext", e.target.checked ? "1" : "0");
    $(".bx").onclick = () => { this.closed = true; this.bar(); $(".pl").focus({ preventScroll: true }); };
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
    const tb = $(".tb");
    if (tb) {
      tb.onclick = () => {
        const open = tb.getAttribute("aria-expanded") !== "true";
        tb.setAttribute("aria-expanded", open);
        $(".tx").hidden = !open;
        if (open && !this.sents) this.transcript();
      };
      $(".q").oninput = () => this.find();
      $(".tl").onclick = (e) => {
        const b = e.target.closest("button");
        if (b) { this.seek(this.sents[+b.dataset.k].start_s); this.play(); }
      };
    }
    document.removeEventListener("newsaudio-play", this.onOther);
    this.onOther = (e) => { if (e.detail !== this) a.pause(); };
    document.addEventListener("newsaudio-play", this.onOther);
    a.addEventListener("play", () => {
      document.dispatchEvent(new CustomEvent("newsaudio-play", { detail: this }));
      this.started = true;
      this.playing(true);
      this.send("play");
      this.session();
    });
    a.addEventListener("pause", () => { this.playing(false); this.savePos(); });
    a.addEventListener("timeupdate", () => this.tick());
    a.addEventListener("seeked", () => { this.tick(); this.savePos(); });
    a.addEventListener("ratechange", () => { $(".sp").value = String(a.playbackRate); });
    a.addEventListener("ended", () => {
      this.send("complete");
      store.set("pos:" + d.guid, "0");
      this.mark(-1);
      if ($(".au").checked) this.playNext();
    });
    a.addEventListener("error", () => this.fail());
    this.bar();
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
  at(s) { return last(this.paragraphs, s); }

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
    for (const b of [this.$(".pl"), this.$(".bp")]) {
      b.setAttribute("aria-label", on ? this.t.pause : this.t.play);
      b.innerHTML = svg(on ? ICON.pause : ICON.play);
    }
  }

  bar() {
    const b = this.$(".br");
    if (b) b.hidden = !(this.away && this.started && !this.closed);
  }

  say(html) { this.$(".st").innerHTML = html; }

  show(s) {
    const { t, d } = this, dur = this.a.duration || d.audio.duration_s, cs = d.chapters || [], k = last(cs, s);
    this.seekbar.value = s;
    this.seekbar.setAttribute("aria-valuetext",
      `${clock(s)} ${t.of} ${clock(dur)}${k >= 0 && cs.length > 1 ? `, ${t.chapters}: ${cs[k].title}` : ""}`);
    this.$(".el").textContent = this.$(".be").textContent = clock(s);
    // The current chapter: its tick on the seek bar and its entry in the chapters menu.
    if (k !== this.chap) {
      this.chap = k;
      this.shadowRoot.querySelectorAll(".tk i").forEach((x, i) => x.classList.toggle("on", i === k));
      this.shadowRoot.querySelectorAll(".cm button").forEach((x, i) => {
        if (i === k) x.setAttribute("aria-current", "true"); else x.removeAttribute("aria-current");
      });
    }
    this.sentenceAt(s);
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

  // The share link: this page at the current second; copied where the browser allows it,
  // else shown selected in a text field for the listener to copy.
  share() {
    const u = `${this.link}#t=${Math.floor(this.time())}`, f = this.$(".lk"), t = this.t;
    f.value = u;
    f.hidden = false;
    const no = () => { f.focus(); f.select(); this.say(t.select); };
    try {
      navigator.clipboard.writeText(u).then(() => this.say(t.copied), no);
    } catch { no(); }
  }

  // The transcript panel's sentences: the episode's timed transcript JSON (with the spoken AI
  // disclosure), else the sentences of the player data's paragraphs.
  async transcript() {
    const d = this.d;
    let list = [];
    try {
      const j = await getJSON(d.transcripts.json);
      list = j.segments.map((g) => ({ text: g.body, start_s: g.startTime, p: g.paragraph }));
    } catch { /* no timed transcript file: the paragraphs carry the same sentences */ }
    if (!list.length) list = this.paragraphs.flatMap((p) => (p.sentences || []).map((x) => ({ ...x, p: p.index })));
    if (d !== this.d) return;
    this.sents = list;
    this.$(".tl").innerHTML = list.map((x, k) =>
      `<button type="button" data-k="${k}"${k && x.p !== list[k - 1].p ? ' class="np"' : ""}>${esc(x.text)}</button>`).join("");
    this.tcur = -1;
    this.find();
    this.sentenceAt(this.time());
  }

  find() {
    const q = this.$(".q").value.trim().toLowerCase(), bs = this.shadowRoot.querySelectorAll(".tl button");
    let n = 0;
    bs.forEach((b, k) => {
      const x = this.sents[k].text, i = q ? x.toLowerCase().indexOf(q) : -1;
      b.hidden = q && i < 0;
      b.innerHTML = i < 0 ? esc(x) : `${esc(x.slice(0, i))}<mark>${esc(x.slice(i, i + q.length))}</mark>${esc(x.slice(i + q.length))}`;
      n += i >= 0;
    });
    this.$(".qn").textContent = q ? `${n} ${this.t.hits}` : "";
  }

  // The sentence being spoken: aria-current in the transcript, a mark in the page's paragraph.
  sentenceAt(s) {
    const ss = this.sents;
    if (ss) {
      const k = last(ss, s);
      if (k !== this.tcur) {
        const bs = this.shadowRoot.querySelectorAll(".tl button"), b = bs[k], box = this.$(".tl");
        if (bs[this.tcur]) bs[this.tcur].removeAttribute("aria-current");
        if (b) {
          b.setAttribute("aria-current", "true");
          // Keep it in view inside the panel without scrolling the page.
          if (b.offsetTop < box.scrollTop || b.offsetTop > box.scrollTop + box.clientHeight - b.offsetHeight) {
            box.scrollTop = b.offsetTop - box.offsetTop;
          }
        }
        this.tcur = k;
      }
    }
    const p = this.cur, spans = this.spans && this.spans[p];
    const j = spans && this.a && (!this.a.paused || s > 0) ? last(this.paragraphs[p].sentences, s) : -1;
    const lit = j >= 0 ? spans[j] : [];
    if (lit === this.lit) return;
    for (const x of this.lit || []) x.removeAttribute("data-newsaudio-sentence");
    for (const x of lit) x.setAttribute("data-newsaudio-sentence", "");
    this.lit = lit;
  }

  // At the end, with the listener's opt-in: the next item of the feed's player index plays here,
  // in this page (a new page could not start sound on its own under the browsers' autoplay rules;
  // this one has the listener's gesture), and its title and article link are shown.
  async playNext() {
    try {
      const d = this.d, idx = Object.entries(await getJSON(d.feed.url.replace(/\.xml$/, ".json")));
      const i = idx.findIndex(([, e]) => e.guid === d.guid), [link, e] = (i >= 0 && idx[i + 1]) || [];
      if (!e) return;
      let n = null;
      try { n = await getJSON(e.player_data); } catch { /* the index entry is enough to play */ }
      if (!n || n.guid !== e.guid) {
        n = { guid: e.guid, title: e.title, version: e.version, feed: d.feed, audio: { url: e.audio, duration_s: e.duration_s },
          chapters: e.chapters, paragraphs: [] };
      }
      this.mark(-1);
      this.marks = this.spans = null;
      this.d = n;
      this.link = link;
      this.sent = new Set();
      store.set("pos:" + n.guid, "0");
      this.render();
      this.say(`${this.t.now}: <a href="${esc(link)}">${esc(n.title)}</a>`);
      this.play();
    } catch { /* no index, no next item: the episode just ends */ }
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
    adopt(document, PAGE_CSS);
    const ps = this.paragraphs;
    this.spans = marks.map((el, i) => el && !el.querySelector("[data-newsaudio-s]") && wrapSentences(el, ps[i].sentences || []));
    marks.forEach((el, i) => {
      if (!el) return;
      el.setAttribute("data-newsaudio-p", i);
      el.addEventListener("click", (e) => {
        // A link (or control) inside the paragraph keeps its own meaning; so does selecting text.
        if (!this.marks || e.target.closest("a,button,input,select,textarea,summary,label")) return;
        const selection = getSelection();
        if (selection && !selection.isCollapsed && el.contains(selection.anchorNode)) return;
        this.seek(ps[i].start_s);
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
    this.sentenceAt(this.time());
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
